namespace Ballast.Server.Hosting;

/// <summary>
/// The store named by <c>server.storage</c> could not be opened, migrated or read when the server started. Unlike a
/// failure while running (which monitoring rides out), the server cannot start without its saved state.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception inner) : Exception(message, inner);
