using System.Globalization;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Storage.Security;

namespace Ballast.Server.Security;

/// <summary><c>GET /api/v1/audit</c>: the audit trail, for admins.</summary>
public static class AuditEndpoints
{
    /// <summary>Entries a read returns when it does not say, and the most it may ask for.</summary>
    public const int DefaultLimit = 500, MaxLimit = 10_000;

    /// <summary>How long a read waits for entries still on their way to the database, so an action just taken is listed.</summary>
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(2);

    /// <summary>Maps the route, readable by admins.</summary>
    public static RouteHandlerBuilder MapAuditEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/audit", async (string? since, string? who, string? action, int? limit, IAuditStore store, AuditWriter writer,
            TimeProvider time, CancellationToken ct) =>
        {
            DateTimeOffset? from = null;
            if (since is not null)
            {
                if (Duration.TryParse(since, out var back)) from = time.GetUtcNow() - back;
                else if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) from = at;
                else return Results.Problem($"since=\"{since}\" is neither a duration back from now (24h, 7d) nor an ISO 8601 time (2026-11-27T10:00:00Z)",
                    statusCode: 400);
            }
            if (limit is < 1 or > MaxLimit) return Results.Problem($"limit={limit} must be between 1 and {MaxLimit}", statusCode: 400);
            try
            {
                await writer.FlushAsync(ct).WaitAsync(FlushWait, ct);
            }
            catch (TimeoutException)
            {
                // The database is slow or away: list what it has; the read below says so if it cannot.
            }
            var query = new AuditQuery(from, string.IsNullOrWhiteSpace(who) ? null : who, string.IsNullOrWhiteSpace(action) ? null : action, limit ?? DefaultLimit);
            var entries = await store.ListAsync(query, ct);
            return Results.Json(entries.Select(AuditView.Of).ToArray(), AuditJson.Default.IReadOnlyListAuditView);
        }).RequireRole(Role.Admin);
}
