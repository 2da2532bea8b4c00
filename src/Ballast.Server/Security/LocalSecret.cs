using Ballast.Server.Hosting;
using Ballast.Core.Security;

namespace Ballast.Server.Security;

/// <summary>This server's local credential (see <see cref="LocalCredential"/>): made at start, held in memory, written to its file.</summary>
public sealed class LocalSecret(ConfigState config)
{
    private string? _secret;

    /// <summary>Where the file is.</summary>
    public string Path { get; } = LocalCredential.PathFor(config.Current);

    /// <summary>Makes a new secret and writes it, ending the one a previous run wrote.</summary>
    public void Write() => _secret = LocalCredential.Create(Path);

    /// <summary>Whether <paramref name="presented"/> is this run's secret, compared in constant time.</summary>
    public bool Matches(string presented) => _secret is { } secret && ApiTokenSecret.HashesEqual(ApiTokenSecret.Hash(secret), ApiTokenSecret.Hash(presented));
}
