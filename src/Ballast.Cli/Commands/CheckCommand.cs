using System.CommandLine;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast check</c>: validates ballast.yaml and says what it would run.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var showPushUrls = new Option<bool>("--show-push-urls")
        {
            Description = "Print each heartbeat's push URL (with its secret token; tokens not in the config are generated and kept in storage)",
        };
        var command = new Command("check", "Validate ballast.yaml: every problem with file:line:column, or a summary") { config, showPushUrls };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(config)!;
            var loaded = ConfigOption.Load(path);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            if (parse.GetValue(showPushUrls)) return await StorageGuard.RunAsync(() => PrintPushUrlsAsync(loaded, ct));
            var types = loaded.Monitors.GroupBy(m => m.Type).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
            Console.WriteLine($"{path}: OK");
            Console.WriteLine($"  listen   {loaded.Server.Listen}");
            Console.WriteLine($"  storage  {Stores.DialectFor(loaded.Server, loaded.SourcePath).Describe()}");
            Console.WriteLine($"  monitors {loaded.Monitors.Count} ({string.Join(", ", types)})");
            foreach (var m in loaded.Monitors)
            {
                var what = m switch
                {
                    { Paused: true } => "paused",
                    HeartbeatMonitorConfig h => (h.Period is { } p ? $"a ping every {Duration.Format(p)}" : $"a ping on \"{h.Schedule}\" ({h.TimeZone})")
                                                + $", grace {Duration.Format(h.Grace)}",
                    _ => $"every {Duration.Format(m.Interval)}: {string.Join(" && ", m.EffectiveConditions)}",
                };
                Console.WriteLine($"    {m.Name,-28} {m.Type,-9} {what}");
            }
            if (loaded.Services.Count > 0) Console.WriteLine($"  services {loaded.Services.Count}");
            foreach (var (name, service) in loaded.Services)
            {
                var where = service.ProviderConfig switch
                {
                    ProcessServiceConfig p => $"{p.Command} {string.Join(' ', p.Args)} behind {p.Listen}",
                    LightsailServiceConfig l => $"Lightsail {l.Service} ({l.Region})",
                    _ => "",
                };
                Console.WriteLine($"    {name,-28} {ConfigShape.EnumKey(service.Provider),-9} scale {service.Scale}, {where}, env {service.Env.Count} variables");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// One line per heartbeat, name and URL, on stdout (for a crontab line or a job's secret store). A token the config
    /// does not set comes from storage, where one is generated now if the server has not yet, so both agree.
    /// </summary>
    private static async Task<int> PrintPushUrlsAsync(BallastConfig loaded, CancellationToken ct)
    {
        var heartbeats = loaded.Monitors.OfType<HeartbeatMonitorConfig>().ToArray();
        if (heartbeats.Any(h => h.Token is null))
        {
            await using var services = new ServiceCollection().AddBallastStorage(loaded).BuildServiceProvider();
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);
            loaded = await PushTokens.ResolveAsync(loaded, services.GetRequiredService<IPushTokenStore>(), ct);
            heartbeats = loaded.Monitors.OfType<HeartbeatMonitorConfig>().ToArray();
        }
        if (heartbeats.Length == 0) Console.Error.WriteLine("no heartbeat monitors in the config");
        foreach (var heartbeat in heartbeats)
            Console.WriteLine($"{heartbeat.Name,-28} {PushTokens.PushUrl(loaded.Server, heartbeat.Token!)}{(heartbeat.PushViaGet ? "" : "  (POST)")}");
        return ExitCodes.Ok;
    }
}
