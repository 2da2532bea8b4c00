using System.CommandLine;
using Ballast.Server.Hosting;
using Ballast.Storage;
using Microsoft.Extensions.Hosting;

namespace Ballast.Cli.Commands;

/// <summary>
/// <c>ballast serve</c>: runs monitors, the API and push endpoints until stopped (Ctrl+C or SIGTERM). Exits 0 only
/// after a requested stop; a server that cannot start, or that stopped on a failure, exits with a code saying which.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var command = new Command("serve", "Run the Ballast server: monitors, incidents, API") { config };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(config)!;
            var loaded = ConfigOption.Load(path);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            var storage = Stores.DialectFor(loaded.Server, loaded.SourcePath).Describe();
            await using var app = BallastServer.Build(loaded);
            try
            {
                await app.StartAsync(ct);
            }
            catch (StorageUnavailableException e)
            {
                Console.Error.WriteLine($"ballast serve: {e.Message}");
                return ExitCodes.StorageFailed;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                // Most often the listen address is taken or not ours to bind (server.listen).
                Console.Error.WriteLine($"ballast serve: could not start on {loaded.Server.Listen}: {e.Message}");
                return ExitCodes.ServerFailed;
            }
            Console.Error.WriteLine($"Ballast listening on {string.Join(", ", app.Addresses())} · {loaded.Monitors.Count} monitors · " +
                                    $"{storage} · config {Path.GetFullPath(path)} (reloaded on change)");
            await app.WaitForShutdownAsync(ct);
            if (app.Failure() is { } failure)
            {
                Console.Error.WriteLine($"ballast serve: stopped on a failure: {failure.GetType().Name}: {failure.Message}");
                return ExitCodes.ServerFailed;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
