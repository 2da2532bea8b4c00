using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Server.Alerting;
using Ballast.Server.Monitoring;
using Ballast.Server.Security;

namespace Ballast.Server.Dashboard;

/// <summary>
/// The incident page's Acknowledge and Silence buttons: plain form posts for responders, doing exactly what
/// <c>POST /api/v1/incidents/{id}/ack</c> and <c>POST /api/v1/silences</c> do (the same methods), then 303 back to the
/// page, which says what happened by a code, never by text from the request.
/// </summary>
public static class IncidentForms
{
    /// <summary>The silence lengths the page offers, as the API's <c>for</c> takes them.</summary>
    public static IReadOnlyList<string> SilenceLengths { get; } = ["30m", "1h", "4h", "24h"];

    /// <summary>The page of incident <paramref name="id"/>, optionally saying what the last button did.</summary>
    public static string PageUrl(string id, string? done = null) =>
        $"/incidents/{Uri.EscapeDataString(id)}" + (done is null ? "" : "?done=" + done);

    public static IEndpointRouteBuilder MapIncidentForms(this IEndpointRouteBuilder app)
    {
        app.MapPost("/incidents/{id}/ack", async (string id, HttpContext context, CancellationToken ct) =>
        {
            var acknowledged = await MonitoringEndpoints.AcknowledgeAsync(context, id, claimedBy: null, ct);
            return SeeOther(PageUrl(id, acknowledged is null ? "not-open" : "acknowledged"));
        }).RequireRole(Role.Responder);

        app.MapPost("/incidents/{id}/silence", async (string id, HttpContext context, IMonitoringStore store, CancellationToken ct) =>
        {
            var form = await context.Request.ReadFormAsync(ct);
            if (await store.IncidentAsync(id, ct) is not { } incident) return SeeOther(PageUrl(id, "not-found"));
            string length = form["for"].ToString();
            if (!SilenceLengths.Contains(length)) return SeeOther(PageUrl(id, "bad-length"));
            var reason = form["reason"].ToString().Trim() is { Length: > 0 } given ? Core.ShortText.Truncate(given, 500) : $"silenced from incident {incident.Id}";
            var (silence, _) = await AlertingEndpoints.AddSilenceAsync(context, new SilenceRequest(incident.Monitor, length, null, reason, null), ct);
            return SeeOther(PageUrl(id, silence is null ? "not-silenced" : "silenced"));
        }).RequireRole(Role.Responder);
        return app;
    }

    /// <summary>303: the browser follows with a GET, so a reload never posts again.</summary>
    private static SeeOtherResult SeeOther(string location) => new(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
