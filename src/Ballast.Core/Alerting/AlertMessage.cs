using Ballast.Core.Config;

namespace Ballast.Core.Alerting;

/// <summary>One incident as a message tells it.</summary>
/// <param name="FailedChecks">Failed checks in a row when the incident was detected.</param>
public sealed record AlertItem(string IncidentId, string Monitor, string MonitorType, Severity Severity, string Cause,
    DateTimeOffset StartedAt, DateTimeOffset DetectedAt, DateTimeOffset? ResolvedAt, int FailedChecks, string? Runbook)
{
    public TimeSpan? Duration => ResolvedAt - StartedAt;
}

/// <summary>What a notification says, independent of the channel that will carry it.</summary>
/// <param name="DashboardUrl">Base URL for links (server.public_url).</param>
public sealed record AlertMessage(NotificationKind Kind, IReadOnlyList<AlertItem> Items, string DashboardUrl, DateTimeOffset CreatedAt)
{
    public Severity Severity => Items.Count == 0 ? Severity.Info : Items.Max(i => i.Severity);
}
