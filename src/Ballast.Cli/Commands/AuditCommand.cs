using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ballast.Core.Config;
using Ballast.Server.Security;
using Spectre.Console;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast audit</c>: who changed what on the running server, and when (docs/security.md, "Audit").</summary>
internal static class AuditCommand
{
    // Indented for people reading the output; the records are the server's own (AuditJson).
    private static readonly AuditJson Json = new(new JsonSerializerOptions(AuditJson.Default.Options) { WriteIndented = true });

    public static Command Create()
    {
        var config = ConfigOption.Create();
        var since = new Option<string>("--since") { Description = "How far back: a duration (24h, 7d) or an ISO 8601 time", DefaultValueFactory = _ => "24h" };
        var who = new Option<string?>("--who") { Description = "Only this person, token or OS user" };
        var action = new Option<string?>("--action") { Description = "Only actions starting with this (POST /api/v1/silences, deploy)" };
        var limit = new Option<int>("--limit") { Description = "At most this many, the newest", DefaultValueFactory = _ => AuditEndpoints.DefaultLimit };
        var json = new Option<bool>("--json") { Description = "Print the entries as JSON on stdout" };
        var command = new Command("audit", "Who changed what, when and from where: logins, acks, silences, deploys, users and tokens")
            { since, who, action, limit, json, config };
        ConfigOption.SetAction(command, config, async (loaded, parse, ct) =>
        {
            var sinceText = parse.GetValue(since)!;
            if (!Duration.TryParse(sinceText, out _) && !DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            {
                Console.Error.WriteLine($"ballast audit: --since \"{sinceText}\" is neither a duration (24h, 7d) nor an ISO 8601 time (2026-11-27T10:00:00Z)");
                return ExitCodes.ConfigInvalid;
            }
            var query = $"/api/v1/audit?since={Uri.EscapeDataString(sinceText)}&limit={parse.GetValue(limit).ToString(CultureInfo.InvariantCulture)}";
            if (parse.GetValue(who) is { Length: > 0 } w) query += $"&who={Uri.EscapeDataString(w)}";
            if (parse.GetValue(action) is { Length: > 0 } a) query += $"&action={Uri.EscapeDataString(a)}";
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Get, query, AuditJson.Default.IReadOnlyListAuditView, "audit", ct);
            if (answer is not { } reply) return ExitCodes.Unreachable;
            if (reply.Status != 200 || reply.Body is not { } entries) return ServerApi.Refused("audit", reply);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(entries, Json.IReadOnlyListAuditView));
                return ExitCodes.Ok;
            }
            if (entries.Count == 0)
            {
                Console.Error.WriteLine($"no audit entries since {sinceText}");
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("at (UTC)", "who", "how", "from", "action", "target", "outcome", "detail");
            foreach (var e in entries)
                table.AddRow(e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Markup.Escape(e.Who), Markup.Escape(e.How),
                    Markup.Escape(e.From), Markup.Escape(e.Action), Markup.Escape(e.Target ?? ""), Markup.Escape(e.Outcome), Markup.Escape(e.Detail ?? ""));
            var stdout = AnsiConsole.Console;
            if (Console.IsOutputRedirected) stdout.Profile.Width = 1000;
            stdout.Write(table);
            Console.Error.WriteLine($"{entries.Count} entr{(entries.Count == 1 ? "y" : "ies")} since {sinceText}, oldest first");
            return ExitCodes.Ok;
        });
        return command;
    }
}
