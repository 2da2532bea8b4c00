using System.CommandLine;
using Ballast.Server.Hosting;
using Ballast.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ballast.Cli.Commands;

/// <summary>
/// <c>ballast serve</c>: runs monitors, the API and push endpoints until stopped (Ctrl+C or SIGTERM). Exits 0 only
/// after a requested stop; a server that cannot start, or that stopped on a failure, exits with a code saying which.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(Termination termination)
    {
        var config = ConfigOption.Create();
        var command = new Command("serve", "Run the Ballast server: monitors, incidents, API") { config };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(config)!;
            var loaded = ConfigOption.Load(path);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            // Termination answers the signals; the host stops when ct is cancelled (WaitForShutdownAsync).
            await using var app = BallastServer.Build(loaded, configureServices: s => s.AddSingleton<IHostLifetime, SignalFreeLifetime>());
            // Declared after the app, so they are undone before it is disposed: killing replicas needs the runtime that knows them.
            using var bound = termination.BoundBy(app.StopBound);
            using var force = termination.ForceWith(() => Console.Error.WriteLine($"ballast serve: killed {app.KillReplicas()} replica(s) (SIGKILL)"));
            try
            {
                await app.StartAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Asked to stop while starting: what did start stops as in any stop (the proxies, and the replicas of
                // a release being restored), within the same bound.
                await app.StopAsync(CancellationToken.None);
                return ExitCodes.Ok;
            }
            catch (StorageUnavailableException e)
            {
                Console.Error.WriteLine($"ballast serve: {e.Message}");
                return ExitCodes.StorageFailed;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Most often server.listen is taken or not ours to bind; Kestrel's message names the address.
                Console.Error.WriteLine($"ballast serve: could not start: {e.Message}");
                return ExitCodes.ServerFailed;
            }
            Console.Error.WriteLine($"Ballast listening on {string.Join(", ", app.Addresses())} · {loaded.Monitors.Count} monitors · " +
                                    $"{Stores.DialectFor(loaded.Server, loaded.SourcePath).Describe()} · config {Path.GetFullPath(path)} (reloaded on change)");
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
