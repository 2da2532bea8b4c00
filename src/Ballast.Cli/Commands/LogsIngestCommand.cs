using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Server.Logs;
using Polly;
using Polly.Retry;

namespace Ballast.Cli.Commands;

/// <summary>
/// <c>ballast logs ingest --source NAME</c>: streams standard input to <c>POST /api/v1/logs/NAME</c> in batches. A batch
/// goes out when it holds <see cref="BatchLines"/> lines or <see cref="BatchBytes"/>, or <see cref="FlushAfter"/> after
/// its first line, so a slow producer's lines still arrive promptly. A batch the server did not accept (unreachable,
/// restarting, 5xx) is sent again with backoff until it is: the server takes a push whole or not at all, so a resend
/// never doubles lines, and stdin is not read further meanwhile (the producer is held back by the pipe, nothing is lost).
/// </summary>
internal static class LogsIngestCommand
{
    /// <summary>Most lines per push.</summary>
    public const int BatchLines = 1000;

    /// <summary>Most bytes per push, well under the server's 8 MB.</summary>
    public const int BatchBytes = 1024 * 1024;

    /// <summary>How long a line waits for others to share its push.</summary>
    public static readonly TimeSpan FlushAfter = TimeSpan.FromMilliseconds(200);

    // A longer line is cut into pieces of this many chars: at most 3 UTF-8 bytes each, under the server's 64 KB a line.
    private const int PieceChars = LogEndpoints.MaxLine / 4;

    public static Command Create()
    {
        var config = ConfigOption.Create();
        var source = new Option<string>("--source", "-s") { Description = "The log source to push to (a logs.sources entry without file:)", Required = true };
        var json = new Option<bool>("--json") { Description = "Each line is a JSON object (NDJSON): rules read its fields as $.level, $.msg" };
        var command = new Command("ingest", "Send standard input's lines to a log source of the running server, until stdin ends") { source, json, config };
        ConfigOption.SetAction(command, config, (loaded, parse, ct) => RunAsync(loaded, parse.GetValue(source)!, parse.GetValue(json), Console.In, ct));
        return command;
    }

    private static async Task<int> RunAsync(BallastConfig config, string source, bool json, TextReader input, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = config.Server.Listen, Timeout = TimeSpan.FromSeconds(30) };
        var pusher = new Pusher(http, config, source, json);
        // An empty push first: a wrong source name fails at once rather than when the first line comes.
        if (await pusher.SendAsync([], cancellationToken) is { } refused) return refused;

        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(BatchLines * 4) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await input.ReadLineAsync(cancellationToken) is { } line)
                    foreach (var piece in Pieces(line)) await lines.Writer.WriteAsync(piece, cancellationToken);
                lines.Writer.Complete();
            }
            catch (Exception e)
            {
                lines.Writer.Complete(e);
            }
        }, cancellationToken);

        long sent = 0;
        var batch = new List<string>();
        try
        {
            while (await lines.Reader.WaitToReadAsync(cancellationToken))
            {
                await FillAsync(lines.Reader, batch, cancellationToken);
                if (await pusher.SendAsync(batch, cancellationToken) is { } code) return code;
                sent += batch.Count;
                batch.Clear();
            }
            await reading;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"ballast logs ingest: stopped; {sent} lines were accepted by {source}, {batch.Count} of a batch were not");
            return ExitCodes.Ok;
        }
        Console.Error.WriteLine($"ballast logs ingest: {sent} lines accepted by {source}");
        return ExitCodes.Ok;
    }

    /// <summary>Takes lines until the batch is full, or <see cref="FlushAfter"/> has passed since its first, or stdin ended.</summary>
    private static async Task FillAsync(ChannelReader<string> reader, List<string> batch, CancellationToken cancellationToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(FlushAfter);
        var bytes = 0;
        try
        {
            while (batch.Count < BatchLines && bytes < BatchBytes)
            {
                if (reader.TryRead(out var line))
                {
                    batch.Add(line);
                    bytes += Encoding.UTF8.GetByteCount(line) + 1;
                }
                else if (!await reader.WaitToReadAsync(window.Token)) return;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The window closed: send what there is.
        }
    }

    /// <summary>A line as the server takes it: whole, or cut into pieces it does not refuse as too long.</summary>
    private static IEnumerable<string> Pieces(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) yield break; // the server skips blank lines; so does the count
        if (line.Length <= PieceChars) yield return line;
        else
            for (var i = 0; i < line.Length;)
            {
                var length = Math.Min(PieceChars, line.Length - i);
                if (i + length < line.Length && char.IsHighSurrogate(line[i + length - 1])) length--;
                yield return line.Substring(i, length);
                i += length;
            }
    }

    /// <summary>Thrown for an answer worth sending the batch again for (the server restarting, overloaded).</summary>
    private sealed class TransientAnswer(int status, string detail) : Exception($"the server answered {status}: {detail}");

    private sealed class Pusher(HttpClient http, BallastConfig config, string source, bool json)
    {
        private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TransientAnswer>()
                .Handle<TaskCanceledException>(e => e.InnerException is TimeoutException),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(10),
            OnRetry = args =>
            {
                Console.Error.WriteLine($"ballast logs ingest: {source}: {args.Outcome.Exception?.Message}; sending again in {args.RetryDelay.TotalSeconds:0.#}s");
                return ValueTask.CompletedTask;
            },
        }).Build();

        /// <summary>Sends the batch until the server accepts it; null then, else the exit code after printing why it was refused.</summary>
        public async Task<int?> SendAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
        {
            var body = string.Join('\n', lines);
            var (status, detail) = await _retry.ExecuteAsync(async ct =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/logs/{Uri.EscapeDataString(source)}")
                {
                    Content = new StringContent(body, Encoding.UTF8, json ? "application/x-ndjson" : "text/plain"),
                };
                if (LocalCredential.Authorize(message, config) is { } refused) return (0, refused);
                using var answer = await http.SendAsync(message, ct);
                var text = await answer.Content.ReadAsStringAsync(ct);
                var code = (int)answer.StatusCode;
                if (code >= 500 || answer.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                    throw new TransientAnswer(code, Detail(text));
                return (code, answer.IsSuccessStatusCode ? "" : Detail(text));
            }, cancellationToken);
            return status is >= 200 and < 300 ? null : ServerApi.Refused("logs ingest", new ApiAnswer<LogPushResult>(status, null, detail));
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
}
