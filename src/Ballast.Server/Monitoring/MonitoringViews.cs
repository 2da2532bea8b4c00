using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Alerting;
using Ballast.Core.Monitoring;
using Ballast.Storage.Monitoring;
using Ballast.Storage.Security;

namespace Ballast.Server.Monitoring;

/// <summary>A monitor as the API lists it. Uptimes are percentages (0–100), null before the first check.</summary>
public sealed record MonitorSummary(string Name, string Type, string State, DateTimeOffset? LastCheckAt, double? LastLatencyMs,
    string? LastError, double? Uptime24h, double? Uptime30d);

/// <summary>One check as the API returns it.</summary>
public sealed record ResultView(DateTimeOffset StartedAt, double LatencyMs, bool Passed, int? Status, string? Cause);

/// <summary>An incident with its derived durations.</summary>
public sealed record IncidentView(string Id, string Monitor, DateTimeOffset StartedAt, DateTimeOffset DetectedAt, DateTimeOffset? ResolvedAt,
    string Cause, double TimeToDetectSeconds, double? TimeToRecoverSeconds, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy)
{
    public static IncidentView Of(Incident i) => new(i.Id, i.Monitor, i.StartedAt, i.DetectedAt, i.ResolvedAt, i.Cause,
        i.TimeToDetect.TotalSeconds, i.TimeToRecover?.TotalSeconds, i.AcknowledgedAt, i.AcknowledgedBy);
}

/// <summary>Body of <c>POST /api/v1/incidents/{id}/ack</c>.</summary>
public sealed record AckRequest(string? By);

/// <summary>Uptime and latency over one range.</summary>
public sealed record UptimeView(string Range, double? Uptime, long Checks, double? AvgLatencyMs, double? P95LatencyMs);

/// <summary>A monitor in full: status, config summary, uptime over each standard range, the open incident.</summary>
public sealed record MonitorDetail(MonitorSummary Monitor, int ConsecutiveFailures, DateTimeOffset? LastSuccessAt, DateTimeOffset? ChangedAt,
    string Severity, IReadOnlyList<string> Tags, string? Runbook, IReadOnlyList<string> Conditions, IReadOnlyList<UptimeView> Uptime, IncidentView? OpenIncident);

/// <summary>
/// Body of <c>GET /api/v1/stats</c>: the scheduler's figures, the store writer's state, and the notifications and
/// delivery records the store refused and the alerting loops set aside, and the audit trail's writer.
/// </summary>
public sealed record StatsView(SchedulerSnapshot Scheduler, WriterStatus Writer, SetAsideStatus Alerting, AuditWriterStatus Audit);

/// <summary>The monitoring API (under /api/v1) as the server writes it and the CLI and tests read it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<MonitorSummary>))]
[JsonSerializable(typeof(MonitorDetail))]
[JsonSerializable(typeof(IReadOnlyList<ResultView>))]
[JsonSerializable(typeof(IReadOnlyList<IncidentView>))]
[JsonSerializable(typeof(IncidentView))]
[JsonSerializable(typeof(AckRequest))]
[JsonSerializable(typeof(StatsView))]
public sealed partial class MonitoringJson : JsonSerializerContext;
