using System.Buffers;
using System.Text;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Security;
using Ballast.Server.Dashboard.Live;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Microsoft.AspNetCore.Http.Features;

namespace Ballast.Server.Logs;

/// <summary>
/// <c>GET /api/v1/logs/tail?source=S&amp;rule=R</c>: accepted lines as server-sent events (<c>event: line</c>, a
/// <see cref="LogTailLine"/>), and <c>event: dropped</c> when the reader fell behind. Frames, heartbeat and the stream's
/// age are the dashboard's live updates' (<see cref="LiveUpdates"/>): an idle stream gets a comment every 20 s, and
/// ends after 10 minutes at a heartbeat, so a revoked caller stops receiving.
/// </summary>
public static class LogTailEndpoint
{
    public const string Path = "/api/v1/logs/tail";

    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapLogTail(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context, ConfigState config, LogTail tail, TimeProvider time, IHostApplicationLifetime lifetime) =>
            StreamAsync(context, config, tail, time, lifetime.ApplicationStopping)).RequireRole(Role.Viewer);
        return app;
    }

    private static async Task StreamAsync(HttpContext context, ConfigState config, LogTail tail, TimeProvider time, CancellationToken stopping)
    {
        var query = context.Request.Query;
        var source = query["source"].ToString() is { Length: > 0 } s ? s : null;
        var ruleName = query["rule"].ToString() is { Length: > 0 } r ? r : null;
        var rules = config.Current.Logs.Rules;
        var rule = ruleName is null ? null : rules.FirstOrDefault(x => x.Name == ruleName);
        if (ruleName is not null && rule is null)
        {
            var hint = ConfigShape.Suggest(ruleName, rules.Select(x => x.Name)) is { } h ? $"; did you mean \"{h}\"?" : "";
            await Results.Problem($"no log rule \"{ruleName}\" in logs.rules{hint}", statusCode: StatusCodes.Status404NotFound, title: "unknown log rule")
                .ExecuteAsync(context);
            return;
        }
        if (tail.Count >= config.Current.Server.LiveUpdates.MaxConnections)
        {
            await Results.Problem($"{tail.Count} log tails are open, the most server.live_updates.max_connections allows",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "too many log tails").ExecuteAsync(context);
            return;
        }
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = ends.Token;
        var started = time.GetTimestamp();
        var writer = response.BodyWriter;
        using var subscriber = tail.Subscribe(LogTailFilter.For(source, rule));
        try
        {
            writer.Write(Encoding.ASCII.GetBytes($"retry: {(long)LiveUpdates.ReconnectDelay.TotalMilliseconds}\n\n"));
            while (true)
            {
                var flushed = await writer.FlushAsync(ct);
                if (flushed.IsCompleted || flushed.IsCanceled) return;
                using var beat = new CancellationTokenSource(LiveUpdates.HeartbeatInterval, time);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, beat.Token);
                bool ready;
                try
                {
                    ready = await subscriber.Reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    writer.Write(Ping);
                    if (time.GetElapsedTime(started) >= LiveUpdates.MaxStreamAge) return;
                    continue;
                }
                if (!ready) return;
                while (subscriber.Reader.TryRead(out var line))
                {
                    if (subscriber.TakeDropped() is > 0 and var dropped)
                        writer.Write(LiveUpdates.Frame("dropped", new LogTailDropped(dropped), LogTailJson.Default.LogTailDropped));
                    writer.Write(LiveUpdates.Frame("line", tail.View(line), LogTailJson.Default.LogTailLine));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the reader left, or the server stops
        }
        catch (IOException)
        {
            // the connection broke mid-write; the reader reconnects
        }
    }
}
