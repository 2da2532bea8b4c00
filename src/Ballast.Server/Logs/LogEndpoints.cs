using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Parsing;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Microsoft.AspNetCore.Http.Features;

namespace Ballast.Server.Logs;

/// <summary>What <c>POST /api/v1/logs/{source}</c> answers: how many lines it accepted.</summary>
public sealed record LogPushResult(string Source, int Accepted);

/// <summary>One source as <c>GET /api/v1/logs/sources</c> shows it: counters since start, and lines stored with checkpoints.</summary>
public sealed record LogSourceView(string Name, string Kind, long Lines, long Bytes, DateTimeOffset? LastLineAt, long CheckpointedLines);

[JsonSerializable(typeof(LogPushResult))]
[JsonSerializable(typeof(IReadOnlyList<LogSourceView>))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
public sealed partial class LogsJson : JsonSerializerContext;

/// <summary>
/// Log lines pushed over HTTP (one request is accepted whole or not at all, so a client may send it again after an
/// error without doubling lines), and the sources' counters.
/// </summary>
public static class LogEndpoints
{
    /// <summary>The largest body a push may have.</summary>
    public const long MaxBody = 8 * 1024 * 1024;

    /// <summary>The longest line a push may hold.</summary>
    public const int MaxLine = FileLogSource.MaxLineBytes;

    public static IEndpointRouteBuilder MapLogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/logs/{source}", PushAsync).RequireRole(Role.Responder);
        app.MapGet("/api/v1/logs/sources", SourcesAsync).RequireRole(Role.Viewer);
        return app;
    }

    private static async Task<IResult> PushAsync(string source, HttpRequest request, ConfigState config, ILogIngest ingest, TimeProvider time)
    {
        var current = config.Current;
        var sources = current.Logs.Sources;
        var target = sources.FirstOrDefault(s => s.Name == source);
        if (target is null)
        {
            var hint = ConfigShape.Suggest(source, sources.Where(s => s.File is null).Select(s => s.Name)) is { } s ? $"; did you mean \"{s}\"?" : "";
            var known = sources.Where(s => s.File is null).Select(s => s.Name).ToArray();
            return Results.Problem($"no log source \"{source}\" takes pushes{hint} Sources that do: "
                                   + (known.Length == 0 ? "none (add one under logs.sources without file:)" : string.Join(", ", known)),
                statusCode: StatusCodes.Status404NotFound, title: "unknown log source");
        }
        if (target.File is not null)
            return Results.Problem($"log source \"{source}\" follows {target.File} and takes no pushes; push to a source declared without file:",
                statusCode: StatusCodes.Status409Conflict, title: "source follows files");
        var ndjson = request.ContentType is { } type && (type.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
                                                         || type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase));
        var text = request.ContentType is { } t && t.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase);
        if (!ndjson && !text)
            return Results.Problem($"POST {request.Path} takes NDJSON (Content-Type: application/x-ndjson, one JSON object per line) or text lines "
                                   + $"(Content-Type: text/plain); got {(request.ContentType is { } c ? "Content-Type: " + c : "no Content-Type")}",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "unsupported media type");
        if (request.ContentLength > MaxBody) return TooLarge(request);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max) max.MaxRequestBodySize = MaxBody;

        var now = time.GetUtcNow();
        var lines = new List<LogLine>();
        try
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            var number = 0;
            while (await reader.ReadLineAsync(request.HttpContext.RequestAborted) is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                if (Encoding.UTF8.GetByteCount(line) > MaxLine)
                    return Invalid($"line {number} is longer than {MaxLine / 1024} KB, the longest line a push may hold");
                if (ndjson && Problem(line) is { } problem) return Invalid($"line {number}: {problem}");
                lines.Add(LogTimes.Parse(source, line, now, target.Labels));
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(request);
        }
        // In slices, so the hub's per-source lock is never held for a whole large push; and to the end once begun, so a
        // client that goes away mid-way cannot leave part of a push accepted that it will send again.
        for (var i = 0; i < lines.Count; i += FileLogSource.BatchLines)
            await ingest.IngestAsync(lines.GetRange(i, Math.Min(FileLogSource.BatchLines, lines.Count - i)), null, CancellationToken.None);
        return Results.Json(new LogPushResult(source, lines.Count), LogsJson.Default.LogPushResult);
    }

    /// <summary>Why an NDJSON line is not a JSON object, or null when it is one.</summary>
    private static string? Problem(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? null
                : $"expected a JSON object such as {{\"msg\": \"...\"}}, got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
        }
        catch (JsonException e)
        {
            return $"not JSON at column {(e.BytePositionInLine ?? 0) + 1}: {e.Message.Split(" Path:", 2)[0]}";
        }
    }

    private static async Task<IResult> SourcesAsync(ConfigState config, LogHub hub, ILogCheckpointStore store, CancellationToken cancellationToken)
    {
        var counters = hub.Counters().ToDictionary(c => c.Source, StringComparer.Ordinal);
        var stored = (await store.ListAsync(cancellationToken)).GroupBy(c => c.Source, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Lines), StringComparer.Ordinal);
        var current = config.Current;
        var kinds = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, service) in current.Services)
            if (service.ProviderConfig is ProcessServiceConfig) kinds[name] = "replicas";
        foreach (var source in current.Logs.Sources) kinds[source.Name] = source.File is null ? "push" : "file";
        foreach (var name in counters.Keys) kinds.TryAdd(name, "other");
        var views = kinds.Select(k =>
        {
            var c = counters.GetValueOrDefault(k.Key);
            return new LogSourceView(k.Key, k.Value, c?.Lines ?? 0, c?.Bytes ?? 0, c?.LastLineAt, stored.GetValueOrDefault(k.Key));
        }).ToArray();
        return Results.Json<IReadOnlyList<LogSourceView>>(views, LogsJson.Default.IReadOnlyListLogSourceView);
    }

    private static IResult Invalid(string detail) => Results.Problem(detail + "; nothing of this request was accepted",
        statusCode: StatusCodes.Status400BadRequest, title: "invalid log lines");

    private static IResult TooLarge(HttpRequest request) => Results.Problem(
        $"the body of POST {request.Path} is larger than {MaxBody / 1024 / 1024} MB, the most one push takes; send the lines in several requests",
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "request body too large");
}
