using Ballast.Core.Monitoring;
using Ballast.Server.Security;
using Ballast.Server.Hosting;

namespace Ballast.Server.Monitoring;

/// <summary>
/// Push URLs for heartbeat monitors: <c>/api/push/{token}</c> (success), <c>/start</c>, <c>/fail</c>, <c>/{exitCode}</c>.
/// A push is a POST (its body is kept as the message); a GET or HEAD counts only for a heartbeat with
/// <c>push_via_get: true</c>, because any web page can make a browser send one (an image tag).
/// </summary>
public static class HeartbeatEndpoints
{
    private const int MaxMessage = 2000;

    public static IEndpointRouteBuilder MapHeartbeatEndpoints(this IEndpointRouteBuilder app)
    {
        // Public on purpose: job hosts carry no login; the token is the credential.
        var push = app.MapGroup("/api/push/{token}").Public();
        string[] methods = ["GET", "POST", "HEAD"];
        push.MapMethods("", methods, (string token, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.Success, 0, request));
        push.MapMethods("/start", methods, (string token, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.Start, 0, request));
        push.MapMethods("/fail", methods, (string token, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.Fail, 1, request));
        push.MapMethods("/{exitCode:int}", methods, (string token, int exitCode, HttpRequest request, MonitoringEngine engine) =>
            Push(engine, token, HeartbeatSignal.ExitCode, exitCode, request));
        return app;
    }

    private static async Task<IResult> Push(MonitoringEngine engine, string token, HeartbeatSignal signal, int exitCode, HttpRequest request)
    {
        var body = await PublicBody.ReadTextAsync(request, PublicBody.PushLimit);
        if (body.Problem is { } problem) return problem;
        string? message = request.Query["msg"];
        var viaGet = !HttpMethods.IsPost(request.Method);
        if (!viaGet && body.Text is { Length: > 0 } text) message = text.Length > MaxMessage ? text[..MaxMessage] : text;
        return engine.Push(token, signal, exitCode, message, viaGet) switch
        {
            PushOutcome.Recorded => Results.Text("OK\n"),
            PushOutcome.Paused => Results.Text("paused\n"),
            PushOutcome.GetNotAllowed => GetNotAllowed(request),
            _ => Results.Text("no heartbeat monitor has this token\n", statusCode: StatusCodes.Status404NotFound),
        };
    }

    private static IResult GetNotAllowed(HttpRequest request)
    {
        request.HttpContext.Response.Headers.Allow = "POST";
        return Results.Problem($"{request.Method} does not count as a push for this heartbeat: send a POST (curl -fsS -X POST URL), "
                               + "or set push_via_get: true on the monitor to let a GET count", statusCode: StatusCodes.Status405MethodNotAllowed,
            title: "push by GET not enabled");
    }
}
