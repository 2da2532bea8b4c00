using System.Globalization;
using Ballast.Core.Alerting;
using Ballast.Core.Monitoring;
using Ballast.Server.Dashboard.Live;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Core.Security;
using Ballast.Storage.Monitoring;
using Ballast.Storage.Security;

namespace Ballast.Server.Monitoring;

/// <summary>The monitoring API under /api/v1.</summary>
public static class MonitoringEndpoints
{
    private static readonly (string Name, TimeSpan Span)[] Ranges =
        [("24h", TimeSpan.FromHours(24)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30)), ("365d", TimeSpan.FromDays(365))];

    public static IEndpointRouteBuilder MapMonitoringEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");

        api.MapGet("/monitors", async (MonitoringEngine engine, IMonitoringStore store, ConfigState config, TimeProvider time, CancellationToken ct) =>
        {
            var now = time.GetUtcNow();
            IReadOnlyDictionary<string, UptimeSummary> day, month;
            try
            {
                day = await store.UptimeAsync(now - TimeSpan.FromHours(24), now, cancellationToken: ct);
                month = await store.UptimeAsync(now - TimeSpan.FromDays(30), now, cancellationToken: ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
            {
                // States live in the engine; only uptimes come from storage. While it is away (which /health/ready
                // reports with the reason) the list still answers, its uptimes null: what is down matters most then.
                day = month = new Dictionary<string, UptimeSummary>();
            }
            return Results.Json(engine.Snapshot().Select(m => Summary(m.Config, m.Status, day, month, config.Current, now)).ToArray(),
                MonitoringJson.Default.IReadOnlyListMonitorSummary);
        }).RequireRole(Role.Viewer);

        api.MapGet("/monitors/{name}", async (string name, MonitoringEngine engine, IMonitoringStore store, ConfigState config, TimeProvider time, CancellationToken ct) =>
        {
            if (engine.Find(name) is not { } entry) return Results.Problem($"no monitor named \"{name}\"", statusCode: 404);
            var now = time.GetUtcNow();
            var ranges = new List<UptimeView>();
            foreach (var (rangeName, span) in Ranges)
            {
                var u = (await store.UptimeAsync(now - span, now, name, ct)).GetValueOrDefault(name) ?? UptimeSummary.Empty;
                ranges.Add(new UptimeView(rangeName, Percent(u), u.Checks, u.AvgLatencyMs, u.P95LatencyMs));
            }
            var summary = Summary(entry.Config, entry.Status, new Dictionary<string, UptimeSummary>(), new Dictionary<string, UptimeSummary>(), config.Current, now) with
            {
                Uptime24h = ranges[0].Uptime,
                Uptime30d = ranges[2].Uptime,
            };
            return Results.Json(new MonitorDetail(summary, entry.Status.ConsecutiveFailures, entry.Status.LastSuccessAt, entry.Status.ChangedAt,
                entry.Config.Severity.ToString().ToLowerInvariant(), entry.Config.Tags, entry.Config.Runbook,
                entry.Config.EffectiveConditions.Select(c => c.Text).ToArray(), ranges,
                entry.OpenIncident is null ? null : IncidentView.Of(entry.OpenIncident)), MonitoringJson.Default.MonitorDetail);
        }).RequireRole(Role.Viewer);

        api.MapGet("/monitors/{name}/results", async (string name, string? since, int? limit, MonitoringEngine engine, IMonitoringStore store,
            MonitoringWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            DateTimeOffset from;
            if (since is null) from = time.GetUtcNow() - TimeSpan.FromHours(1);
            else if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from))
                return Results.Problem($"since=\"{since}\" is not an ISO 8601 time (e.g. 2026-11-27T10:00:00Z)", statusCode: 400);
            var results = await store.ReadResultsAsync(name, from, Math.Clamp(limit ?? 10_000, 1, 100_000), ct);
            if (results.Count == 0 && engine.Find(name) is null)
                return Results.Problem($"no monitor named \"{name}\"", statusCode: 404);
            return Results.Json(results.Select(r => new ResultView(r.StartedAt, Math.Round(r.Latency.TotalMilliseconds, 3), r.Passed, r.Status, r.Cause)).ToArray(),
                MonitoringJson.Default.IReadOnlyListResultView);
        }).RequireRole(Role.Viewer);

        api.MapGet("/incidents", async (bool? open, string? monitor, int? limit, IMonitoringStore store, CancellationToken ct) =>
            Results.Json((await store.ListIncidentsAsync(open, monitor, Math.Clamp(limit ?? 500, 1, 100_000), ct)).Select(IncidentView.Of).ToArray(),
                MonitoringJson.Default.IReadOnlyListIncidentView)).RequireRole(Role.Viewer);

        api.MapPost("/incidents/{id}/ack", async (string id, HttpRequest request, HttpContext context, CancellationToken ct) =>
        {
            // The body is optional; its "by" counts only for the local CLI (see Access.Actor).
            var (body, invalid) = await JsonBody<AckRequest>.ReadAsync(request, MonitoringJson.Default.AckRequest, optional: true, ct);
            if (invalid is not null) return invalid;
            return await AcknowledgeAsync(context, id, body?.By, ct) is { } incident
                ? Results.Json(IncidentView.Of(incident), MonitoringJson.Default.IncidentView)
                : Results.Problem($"no open incident with id \"{id}\"", statusCode: 404);
        }).RequireRole(Role.Responder);

        api.MapGet("/stats", (MonitoringEngine engine, MonitoringWriter writer, StoreRefusals refusals, AuditWriter audit) =>
            Results.Json(new StatsView(engine.Stats.Snapshot(), writer.Status, refusals.Status, audit.Status), MonitoringJson.Default.StatsView)).RequireRole(Role.Viewer);

        return app;
    }

    /// <summary>
    /// Acknowledges an open incident for the caller (see <see cref="Access.Actor"/> for <paramref name="claimedBy"/>):
    /// stored, audited, and its reminders stopped. What the API's ack and the incident page's button both do. Null
    /// when there is no open incident with that id.
    /// </summary>
    public static async Task<Incident?> AcknowledgeAsync(HttpContext context, string id, string? claimedBy, CancellationToken ct)
    {
        var services = context.RequestServices;
        var store = services.GetRequiredService<IMonitoringStore>();
        var by = context.Actor(claimedBy);
        context.AuditDetail($"by {by}");
        if (!await store.AcknowledgeAsync(id, services.GetRequiredService<TimeProvider>().GetUtcNow(), by, ct)) return null;
        services.GetRequiredService<AlertPlanner>().Acknowledge(id);
        var incident = await store.IncidentAsync(id, ct);
        // Open pages show the acknowledgement at once, whichever door it came through.
        if (incident is not null) services.GetRequiredService<LiveUpdates>().Acknowledged(incident);
        return incident;
    }

    /// <summary>A monitor in an open maintenance window shows MAINTENANCE, whatever its checks say.</summary>
    private static MonitorSummary Summary(Core.Config.MonitorConfig config, MonitorStatus status,
        IReadOnlyDictionary<string, UptimeSummary> day, IReadOnlyDictionary<string, UptimeSummary> month, Core.Config.BallastConfig current, DateTimeOffset now) =>
        new(config.Name, config.Type,
            (Suppression.MaintenanceOf(config, current, now) is null ? status.State : MonitorState.Maintenance).ToString().ToUpperInvariant(),
            status.LastCheckAt, status.LastLatencyMs, status.LastError,
            Percent(day.GetValueOrDefault(config.Name)), Percent(month.GetValueOrDefault(config.Name)));

    private static double? Percent(UptimeSummary? u) => u?.Uptime is { } x ? Math.Round(x * 100, 3) : null;
}
