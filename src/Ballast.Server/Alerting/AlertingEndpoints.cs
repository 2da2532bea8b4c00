using Ballast.Core.Alerting;

namespace Ballast.Server.Alerting;

/// <summary>A notification as the API lists it.</summary>
public sealed record NotificationView(string Id, string Channel, string Kind, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt, DateTimeOffset? DeliveredAt, string? LastError, string? Response, string Subject, IReadOnlyList<string> Incidents);

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
            return Results.Ok(list.Select(n => new NotificationView(n.Id, n.Channel, n.Message.Kind.ToString().ToLowerInvariant(),
                n.Status.ToString().ToLowerInvariant(), n.Attempts, n.CreatedAt, n.NextAttemptAt, n.DeliveredAt, n.LastError, n.Response,
                AlertText.Subject(n.Message), n.Message.Items.Select(i => i.IncidentId).ToArray())));
        });
        return app;
    }
}
