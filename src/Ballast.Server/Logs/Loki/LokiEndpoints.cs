using System.IO.Compression;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Microsoft.AspNetCore.Http.Features;

namespace Ballast.Server.Logs.Loki;

/// <summary>
/// <c>POST /loki/api/v1/push</c>, Grafana Loki's push API, so Promtail, Grafana Alloy, Vector and Fluent Bit ship to
/// Ballast unchanged: snappy-compressed protobuf (their default) or JSON, either optionally gzip'd. Each stream's
/// labels become the lines' labels; the label <c>logs.loki.source_label</c> (job) names the source. Answers 204 as
/// Loki does; a body that is not a push answers 400 saying what and where, and nothing of it is taken.
/// </summary>
public static class LokiEndpoints
{
    /// <summary>The push route, the one route that also takes the token as a Basic password (what shippers' <c>basic_auth</c> sends).</summary>
    public const string PushPath = "/loki/api/v1/push";

    /// <summary>The most a push body may be on the wire; shippers batch about 1 MiB.</summary>
    public const long MaxBodyBytes = 16 << 20;

    public static IEndpointRouteBuilder MapLokiEndpoints(this IEndpointRouteBuilder app)
    {
        // Pushing lines can open incidents (rules fire on them), which is a responder's kind of change, never a viewer's.
        app.MapPost(PushPath, PushAsync).RequireRole(Role.Responder);
        return app;
    }

    /// <summary>Whether a request may authenticate with <c>Authorization: Basic</c> (any user name, the API token as password).</summary>
    public static bool TakesBasicAuth(HttpRequest request) => request.Path.Equals(PushPath, StringComparison.Ordinal);

    private static async Task<IResult> PushAsync(HttpContext context, ConfigState config)
    {
        var request = context.Request;
        if (context.RequestServices.GetService<ILogIngest>() is not { } ingest)
            return Results.Problem("log ingest is not running on this server", statusCode: StatusCodes.Status503ServiceUnavailable, title: "log ingest unavailable");
        var json = request.HasJsonContentType();
        if (!json && request.ContentType is { Length: > 0 } type && !type.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
            return Results.Problem($"{PushPath} takes Content-Type: application/x-protobuf (snappy-compressed logproto.PushRequest) or application/json; got {type}",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "unsupported media type");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;

        IReadOnlyList<LokiStream> streams;
        try
        {
            var body = await ReadBodyAsync(request, context.RequestAborted);
            streams = json ? LokiJson.Read(body) : LokiProtobuf.Read(body);
        }
        catch (LokiPushException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "invalid Loki push");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Results.Problem($"the body is larger than {MaxBodyBytes >> 20} MiB; send smaller batches", statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "push too large");
        }

        var bySource = LokiLines.BySource(streams, config.Current.Logs.Loki, out var problem);
        if (problem is not null) return Results.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "invalid Loki push");
        foreach (var (_, lines) in bySource) await ingest.IngestAsync(lines, null, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        Stream source = encoding.ToLowerInvariant() switch
        {
            "" or "identity" => request.Body,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new LokiPushException($"Content-Encoding: {encoding} is not supported; send gzip, deflate or none"),
        };
        await using (source.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            try
            {
                int read;
                while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    if (buffer.Length + read > LokiProtobuf.MaxUncompressedBytes)
                        throw new LokiPushException($"the body inflates to more than {LokiProtobuf.MaxUncompressedBytes >> 20} MiB; send smaller batches");
                    buffer.Write(chunk, 0, read);
                }
            }
            catch (InvalidDataException e)
            {
                throw new LokiPushException($"the body is not valid {encoding} as its Content-Encoding says: {e.Message}");
            }
            return buffer.ToArray();
        }
    }
}
