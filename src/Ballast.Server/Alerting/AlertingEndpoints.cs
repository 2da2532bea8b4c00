using Ballast.Core.Alerting;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Core.Security;

namespace Ballast.Server.Alerting;

/// <summary>The alerting API under /api/v1.</summary>
public static class AlertingEndpoints
{
    public static IEndpointRouteBuilder MapAlertingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/notifications", async (string? status, int? limit, INotificationStore store, CancellationToken ct) =>
        {
            NotificationStatus? filter = null;
            if (status is not null)
            {
                if (!Enum.TryParse<NotificationStatus>(status, ignoreCase: true, out var parsed))
                    return Results.Problem($"status=\"{status}\" is not one of pending, delivered, failed", statusCode: 400);
                filter = parsed;
            }
            var list = await store.ListAsync(filter, Math.Clamp(limit ?? 500, 1, 10_000), ct);
            return Results.Json(list.Select(n => new NotificationView(n.Id, n.Channel, n.Message.Kind.ToString().ToLowerInvariant(),
                n.Status.ToString().ToLowerInvariant(), n.Attempts, n.CreatedAt, n.NextAttemptAt, n.DeliveredAt, n.LastError, n.Response,
                AlertText.Subject(n.Message), n.Message.Items.Select(i => i.IncidentId).ToArray())).ToArray(), AlertingJson.Default.IReadOnlyListNotificationView);
        }).RequireRole(Role.Viewer);
        var silences = app.MapGroup("/api/v1/silences");
        silences.MapGet("", async (bool? active, ISilenceStore store, TimeProvider time, CancellationToken ct) =>
        {
            var now = time.GetUtcNow();
            return Results.Json((await store.ListSilencesAsync(active == true ? now : null, ct)).Select(s => SilenceView.Of(s, now)).ToArray(),
                AlertingJson.Default.IReadOnlyListSilenceView);
        }).RequireRole(Role.Viewer);
        silences.MapPost("", async (HttpRequest request, HttpContext context, TimeProvider time, HttpResponse response, CancellationToken ct) =>
        {
            var (body, invalid) = await JsonBody<SilenceRequest>.ReadAsync(request, AlertingJson.Default.SilenceRequest, optional: false, ct);
            if (body is null) return invalid!;
            var (silence, refusal) = await AddSilenceAsync(context, body, ct);
            if (silence is null) return Results.Problem(refusal, statusCode: 400);
            response.Headers.Location = $"/api/v1/silences/{silence.Id}";
            return Results.Json(SilenceView.Of(silence, time.GetUtcNow()), AlertingJson.Default.SilenceView, statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Responder);
        silences.MapPost("/{id}/expire", async (string id, ISilenceStore store, AlertPlanner planner, TimeProvider time,
            CancellationToken ct) =>
        {
            if (!await store.ExpireAsync(id, time.GetUtcNow(), ct)) return Results.Problem($"no unexpired silence with id \"{id}\"", statusCode: 404);
            planner.SetSilences(await store.ListSilencesAsync(cancellationToken: ct));
            return Results.NoContent();
        }).RequireRole(Role.Responder);
        return app;
    }

    /// <summary>
    /// Checks and stores a silence for the caller (see <see cref="Access.Actor"/> for <see cref="SilenceRequest.By"/>),
    /// audited, and hands the silences to the planner at once. What the API and the incident page's button both do.
    /// Returns the silence, or why it was refused.
    /// </summary>
    public static async Task<(Silence? Silence, string? Refusal)> AddSilenceAsync(HttpContext context, SilenceRequest body, CancellationToken ct)
    {
        var services = context.RequestServices;
        var store = services.GetRequiredService<ISilenceStore>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (string.IsNullOrWhiteSpace(body.Match)) return (null, "match is required: a monitor name glob such as api-*");
        if (string.IsNullOrWhiteSpace(body.Reason)) return (null, "reason is required: say why alerts are held back");
        DateTimeOffset ends;
        if (body.EndsAt is { } at) ends = at;
        else if (body.For is not null && Core.Config.Duration.TryParse(body.For, out var span)) ends = now + span;
        else return (null, $"give for (a duration such as 2h) or endsAt; got for=\"{body.For}\"");
        if (ends <= now) return (null, "the silence would end before it starts");
        var silence = new Silence(Guid.CreateVersion7(now).ToString("N"), body.Match.Trim(), now, ends, body.Reason.Trim(), context.Actor(body.By));
        context.AuditDetail($"match {silence.Match} until {silence.EndsAt:O} by {silence.CreatedBy}: {silence.Reason}");
        await store.AddAsync(silence, ct);
        services.GetRequiredService<AlertPlanner>().SetSilences(await store.ListSilencesAsync(cancellationToken: ct));
        return (silence, null);
    }
}
