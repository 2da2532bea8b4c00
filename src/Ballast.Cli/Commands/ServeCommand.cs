using System.CommandLine;
using Ballast.Server.Hosting;
using Ballast.Storage;
using Microsoft.Extensions.Hosting;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast serve</c>: runs monitors, the API and push endpoints until stopped (Ctrl+C or SIGTERM).</summary>
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
            try
            {
                await using var app = BallastServer.Build(loaded);
                await app.StartAsync(ct);
                Console.Error.WriteLine($"Ballast listening on {string.Join(", ", app.Addresses())} · {loaded.Monitors.Count} monitors · " +
                                        $"{Stores.DialectFor(loaded.Server, loaded.SourcePath).Describe()} · config {Path.GetFullPath(path)} (reloaded on change)");
                await app.WaitForShutdownAsync(ct);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Data.Common.DbException)
            {
                Console.Error.WriteLine($"ballast serve: {e.Message}");
                return ExitCodes.ServerFailed;
            }
        });
        return command;
    }
}
