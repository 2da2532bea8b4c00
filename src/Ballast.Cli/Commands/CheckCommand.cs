using System.CommandLine;
using Ballast.Core.Config;
using Ballast.Storage;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast check</c>: validates ballast.yaml and says what it would run.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var command = new Command("check", "Validate ballast.yaml: every problem with file:line:column, or a summary") { config };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(config)!;
            var loaded = ConfigOption.Load(path);
            if (loaded is null) return ExitCodes.ConfigInvalid;
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
}
