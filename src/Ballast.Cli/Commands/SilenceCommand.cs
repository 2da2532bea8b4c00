using System.CommandLine;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast silence add|list|expire</c>: hold back alerts for matching monitors for a while, on the running server.</summary>
internal static class SilenceCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var match = new Option<string>("--match") { Description = "Monitor name glob, e.g. 'api-*'", Required = true };
        var duration = new Option<string>("--for") { Description = "How long, e.g. 2h", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (shown in the list)", Required = true };
        var by = new Option<string>("--by") { Description = "Who", DefaultValueFactory = _ => Environment.UserName };
        var add = new Command("add", "Hold back alerts for monitors matching a glob") { match, duration, reason, by, config };
        add.SetAction(async (parse, ct) =>
        {
            var loaded = ConfigOption.Load(parse.GetValue(config)!);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Post, "/api/v1/silences", new
            {
                match = parse.GetValue(match), @for = parse.GetValue(duration), reason = parse.GetValue(reason), by = parse.GetValue(by),
            }, "silence add", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 201) return ServerApi.Refused("silence add", a.Status, a.Body);
            Console.WriteLine($"silenced {a.Body.GetProperty("match").GetString()} until {a.Body.GetProperty("endsAt").GetDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC (id {a.Body.GetProperty("id").GetString()})");
            return ExitCodes.Ok;
        });

        var listConfig = ConfigOption.Create();
        var json = new Option<bool>("--json") { Description = "Print JSON on stdout" };
        var all = new Option<bool>("--all") { Description = "Include expired and ended silences" };
        var list = new Command("list", "Show silences (active ones unless --all)") { all, json, listConfig };
        list.SetAction(async (parse, ct) =>
        {
            var loaded = ConfigOption.Load(parse.GetValue(listConfig)!);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Get, parse.GetValue(all) ? "/api/v1/silences" : "/api/v1/silences?active=true", null, "silence list", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 200) return ServerApi.Refused("silence list", a.Status, a.Body);
            if (parse.GetValue(json))
            {
                Console.WriteLine(a.Body.ToString());
                return ExitCodes.Ok;
            }
            if (a.Body.GetArrayLength() == 0) Console.Error.WriteLine("no silences");
            foreach (var s in a.Body.EnumerateArray())
                Console.WriteLine($"{s.GetProperty("id").GetString()}  {s.GetProperty("match").GetString(),-20} until {s.GetProperty("endsAt").GetDateTimeOffset():yyyy-MM-dd HH:mm} UTC" +
                                  $"{(s.GetProperty("active").GetBoolean() ? "" : " (over)")}  by {s.GetProperty("createdBy").GetString()}: {s.GetProperty("reason").GetString()}");
            return ExitCodes.Ok;
        });

        var expireConfig = ConfigOption.Create();
        var id = new Argument<string>("id") { Description = "Silence id (from silence list)" };
        var expire = new Command("expire", "End a silence now") { id, expireConfig };
        expire.SetAction(async (parse, ct) =>
        {
            var loaded = ConfigOption.Load(parse.GetValue(expireConfig)!);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Post, $"/api/v1/silences/{Uri.EscapeDataString(parse.GetValue(id)!)}/expire", null, "silence expire", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 204) return ServerApi.Refused("silence expire", a.Status, a.Body);
            Console.WriteLine($"expired {parse.GetValue(id)}");
            return ExitCodes.Ok;
        });
        return new Command("silence", "Hold back alerts for a while") { add, list, expire };
    }
}
