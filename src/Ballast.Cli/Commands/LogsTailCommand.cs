using System.CommandLine;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Server.Logs;

namespace Ballast.Cli.Commands;

/// <summary>
/// <c>ballast logs tail [--source S] [--rule R]</c>: prints the lines the running server accepts (time, source, labels,
/// text, and the rules that match), from <c>GET /api/v1/logs/tail</c>, until Ctrl+C. The server ends a stream after a
/// while (so credentials are checked again); the tail reconnects at once.
/// </summary>
internal static class LogsTailCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var source = new Option<string?>("--source", "-s") { Description = "Only this log source's lines" };
        var rule = new Option<string?>("--rule", "-r") { Description = "Only the lines this rule of logs.rules matches" };
        var command = new Command("tail", "Print the lines the running server accepts, as they come, until Ctrl+C") { source, rule, config };
        ConfigOption.SetAction(command, config, (loaded, parse, ct) => RunAsync(loaded, parse.GetValue(source), parse.GetValue(rule), ct));
        return command;
    }

    private static async Task<int> RunAsync(BallastConfig config, string? source, string? rule, CancellationToken cancellationToken)
    {
        var query = string.Join('&', new[] { ("source", source), ("rule", rule) }.Where(p => p.Item2 is not null)
            .Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2!)));
        var path = LogTailEndpoint.Path + (query.Length > 0 ? "?" + query : "");
        var color = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
        using var http = new HttpClient { BaseAddress = config.Server.Listen, Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var message = new HttpRequestMessage(HttpMethod.Get, path);
                message.Headers.Accept.ParseAdd("text/event-stream");
                if (LocalCredential.Authorize(message, config) is { } refused)
                    return ServerApi.Refused("logs tail", new ApiAnswer<LogTailLine>(0, null, refused));
                using var answer = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!answer.IsSuccessStatusCode)
                    return ServerApi.Refused("logs tail", new ApiAnswer<LogTailLine>((int)answer.StatusCode, null,
                        Detail(await answer.Content.ReadAsStringAsync(cancellationToken))));
                Console.Error.WriteLine($"ballast logs tail: following {source ?? "every source"}{(rule is null ? "" : $", lines rule {rule} matches")} (Ctrl+C to stop)");
                await using var body = await answer.Content.ReadAsStreamAsync(cancellationToken);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
                {
                    if (item.EventType == "dropped")
                        Console.Error.WriteLine($"ballast logs tail: {JsonSerializer.Deserialize(item.Data, LogTailJson.Default.LogTailDropped)!.Lines} lines dropped: this tail read slower than they came");
                    else if (item.EventType == "line")
                        Console.WriteLine(Format(JsonSerializer.Deserialize(item.Data, LogTailJson.Default.LogTailLine)!, color));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the normal end
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException)
        {
            Console.Error.WriteLine($"ballast logs tail: cannot reach the Ballast server at {config.Server.Listen}: {e.Message}");
            return ExitCodes.Unreachable;
        }
        return ExitCodes.Ok;
    }

    /// <summary>One line: time, source, labels, text, and the rules matching it (the line in bold red on a terminal).</summary>
    internal static string Format(LogTailLine line, bool color)
    {
        var labels = line.Labels.Count == 0 ? "" : " {" + string.Join(", ", line.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
        var head = $"{line.Time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {line.Source}{labels} ";
        if (line.Matches.Count == 0) return head + line.Text;
        var rules = " [" + string.Join(", ", line.Matches) + "]";
        return color ? head + "\u001b[1;31m" + line.Text + "\u001b[0m" + rules : head + line.Text + rules;
    }

    private static string Detail(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, ApiProblemJson.Default.ApiProblem)?.Detail ?? text;
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
