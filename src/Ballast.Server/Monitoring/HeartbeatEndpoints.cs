using Ballast.Core.Monitoring;
using Ballast.Server.Security;

namespace Ballast.Server.Monitoring;

/// <summary>
/// Push URLs for heartbeat monitors: <c>/api/push/{token}</c> (success), <c>/start</c>, <c>/fail</c>, <c>/{exitCode}</c>.
/// GET and POST both work, so <c>curl -fsS URL</c> at the end of a cron job is enough; a POST body is kept as the message.
/// </summary>
public static class HeartbeatEndpoints
{
    private const int MaxMessage = 2000;

    public static IEndpointRouteBuilder MapHeartbeatEndpoints(this IEndpointRouteBuilder app)
    {
        var push = app.MapGroup("/api/push/{token}");
        push.MapMethods("", ["GET", "POST", "HEAD"], (string token, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.Success, 0, request)).Public();
        push.MapMethods("/start", ["GET", "POST", "HEAD"], (string token, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.Start, 0, request)).Public();
        push.MapMethods("/fail", ["GET", "POST", "HEAD"], (string token, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.Fail, 1, request)).Public();
        push.MapMethods("/{exitCode:int}", ["GET", "POST", "HEAD"], (string token, int exitCode, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.ExitCode, exitCode, request)).Public();
        return app;
    }

    private static async Task<IResult> Push(MonitoringEngine engine, string token, HeartbeatSignal signal, int exitCode, HttpRequest request)
    {
        string? message = request.Query["msg"];
        if (HttpMethods.IsPost(request.Method) && request.ContentLength is null or > 0)
        {
            using var reader = new StreamReader(request.Body);
            var buffer = new char[MaxMessage];
            var read = await reader.ReadBlockAsync(buffer, request.HttpContext.RequestAborted);
            if (read > 0) message = new string(buffer, 0, read);
        }
        return engine.Push(token, signal, exitCode, message) switch
        {
            PushOutcome.Recorded => Results.Text("OK\n"),
            PushOutcome.Paused => Results.Text("paused\n"),
            _ => Results.Text("no heartbeat monitor has this token\n", statusCode: 404),
        };
    }
}
