using System.Buffers;
using System.Text;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Server.Security;
using Microsoft.AspNetCore.Http.Features;

namespace Ballast.Server.Dashboard.Live;

/// <summary>
/// <c>GET /api/v1/events</c>: the dashboard's live updates as server-sent events. Written by hand rather than through
/// <c>TypedResults.ServerSentEvents</c>, which cannot send the comment lines that keep an idle stream open through proxies.
/// </summary>
public static partial class LiveEndpoint
{
    public const string Path = "/api/v1/events";

    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapLiveUpdates(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context, LiveUpdates live, MonitoringEngine engine, TimeProvider time, IHostApplicationLifetime lifetime,
            ILoggerFactory logs) => StreamAsync(context, live, engine, time, logs.CreateLogger(typeof(LiveEndpoint).FullName!), lifetime.ApplicationStopping))
            .RequireRole(Role.Viewer);
        return app;
    }

    private static async Task StreamAsync(HttpContext context, LiveUpdates live, MonitoringEngine engine, TimeProvider time, ILogger log,
        CancellationToken stopping)
    {
        var response = context.Response;
        // A token or user is one caller; anonymous readers (server.anonymous_read) are told apart by address.
        var caller = context.User.Identity is { AuthenticationType: not AnonymousReadHandler.SchemeName, Name: { Length: > 0 } name }
            ? "u:" + name
            : "a:" + context.Connection.RemoteIpAddress;
        // The browser sends Last-Event-ID when it reconnects; the page gives its own position on the first connect.
        var since = context.Request.Headers["Last-Event-ID"] is [{ Length: > 0 } lastId] ? lastId : context.Request.Query["since"].ToString();
        var (connection, full, position, refused) = live.Connect(since, caller);
        if (connection is null)
        {
            Log.Refused(log, caller[2..], refused!);
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = ((int)LiveUpdates.RefusedRetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(refused + "; the dashboard retries, and works without live updates meanwhile.", statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "too many live update streams").ExecuteAsync(context);
            return;
        }
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        // nginx buffers responses unless told otherwise; a buffered stream is no stream.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // The server stopping ends every stream at once: an open dashboard must never hold a shutdown.
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = ends.Token;
        var started = time.GetTimestamp();
        var writer = response.BodyWriter;
        try
        {
            writer.Write(Encoding.ASCII.GetBytes($"retry: {(long)LiveUpdates.ReconnectDelay.TotalMilliseconds}\n\n"));
            if (full) WriteState(writer, live, engine, position);
            else writer.Write(LiveUpdates.Frame("sync", new LiveSyncView(false), LiveJson.Default.LiveSyncView));
            var frames = new List<LiveFrame>();
            while (true)
            {
                var flushed = await writer.FlushAsync(ct);
                if (flushed.IsCompleted || flushed.IsCanceled) return;
                await connection.WaitAsync(ct);
                frames.Clear();
                var (resync, heartbeat) = connection.Take(frames);
                if (resync)
                {
                    Log.Resynced(log, context.User.Identity?.Name ?? "?");
                    // Ids are taken before the state is read: whatever changes after it is queued again.
                    WriteState(writer, live, engine, live.Position);
                }
                foreach (var frame in frames) writer.Write(frame.Bytes);
                if (heartbeat && frames.Count == 0) writer.Write(Ping);
                // Checked on the heartbeat, so an old stream needs no timer of its own.
                if (heartbeat && time.GetElapsedTime(started) >= LiveUpdates.MaxStreamAge)
                {
                    await writer.FlushAsync(ct);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the browser left, or the server stops
        }
        catch (IOException e)
        {
            Log.StreamFailed(log, e.Message);
        }
        finally
        {
            live.Disconnect(connection);
        }
    }

    /// <summary>Every monitor's state, then the position it is current at (the id a reconnect resumes from).</summary>
    private static void WriteState(System.IO.Pipelines.PipeWriter writer, LiveUpdates live, MonitoringEngine engine, string position)
    {
        foreach (var (config, status, _) in engine.Snapshot())
            writer.Write(LiveUpdates.Frame("monitor", live.MonitorView(config, status), LiveJson.Default.LiveMonitorView));
        writer.Write(LiveUpdates.Frame("sync", new LiveSyncView(true), LiveJson.Default.LiveSyncView, position));
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.DashboardLive.Resynced, LogLevel.Information, "Live updates: a dashboard of {User} fell too far behind; it was sent the current state of every monitor instead")]
        public static partial void Resynced(ILogger logger, string user);

        [LoggerMessage(LogEvents.DashboardLive.StreamFailed, LogLevel.Debug, "Live updates: a stream ended on a write error: {Error}")]
        public static partial void StreamFailed(ILogger logger, string error);

        [LoggerMessage(LogEvents.DashboardLive.Refused, LogLevel.Warning, "Live updates: a stream of {Caller} was refused: {Reason}")]
        public static partial void Refused(ILogger logger, string caller, string reason);
    }
}
