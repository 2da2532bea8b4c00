using System.CommandLine;
using System.Text.Json;
using Ballast.Server.Alerting;

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
        ConfigOption.SetAction(add, config, async (loaded, parse, ct) =>
        {
            var request = new SilenceRequest(parse.GetValue(match), parse.GetValue(duration), EndsAt: null, parse.GetValue(reason), parse.GetValue(by));
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Post, "/api/v1/silences", request, AlertingJson.Default.SilenceRequest,
                AlertingJson.Default.SilenceView, "silence add", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 201 || a.Body is not { } silence) return ServerApi.Refused("silence add", a);
            Console.WriteLine($"silenced {silence.Match} until {silence.EndsAt:yyyy-MM-dd HH:mm:ss} UTC (id {silence.Id})");
            return ExitCodes.Ok;
        });

        var listConfig = ConfigOption.Create();
        var json = new Option<bool>("--json") { Description = "Print JSON on stdout" };
        var all = new Option<bool>("--all") { Description = "Include expired and ended silences" };
        var list = new Command("list", "Show silences (active ones unless --all)") { all, json, listConfig };
        ConfigOption.SetAction(list, listConfig, async (loaded, parse, ct) =>
        {
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Get, parse.GetValue(all) ? "/api/v1/silences" : "/api/v1/silences?active=true",
                AlertingJson.Default.IReadOnlyListSilenceView, "silence list", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 200 || a.Body is not { } silences) return ServerApi.Refused("silence list", a);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(silences, AlertingJson.Default.IReadOnlyListSilenceView));
                return ExitCodes.Ok;
            }
            if (silences.Count == 0) Console.Error.WriteLine("no silences");
            foreach (var s in silences)
                Console.WriteLine($"{s.Id}  {s.Match,-20} until {s.EndsAt:yyyy-MM-dd HH:mm} UTC{(s.Active ? "" : " (over)")}  by {s.CreatedBy}: {s.Reason}");
            return ExitCodes.Ok;
        });

        var expireConfig = ConfigOption.Create();
        var id = new Argument<string>("id") { Description = "Silence id (from silence list)" };
        var expire = new Command("expire", "End a silence now") { id, expireConfig };
        ConfigOption.SetAction(expire, expireConfig, async (loaded, parse, ct) =>
        {
            var answer = await ServerApi.CallAsync<object>(loaded, HttpMethod.Post, $"/api/v1/silences/{Uri.EscapeDataString(parse.GetValue(id)!)}/expire",
                response: null, "silence expire", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 204) return ServerApi.Refused("silence expire", a);
            Console.WriteLine($"expired {parse.GetValue(id)}");
            return ExitCodes.Ok;
        });
        return new Command("silence", "Hold back alerts for a while") { add, list, expire };
    }
}
