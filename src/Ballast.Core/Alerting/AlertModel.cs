using Ballast.Core.Config;

namespace Ballast.Core.Alerting;

/// <summary>Why a notification is sent.</summary>
public enum NotificationKind
{
    /// <summary>Incidents were detected.</summary>
    Firing,
    /// <summary>Still down, still unacknowledged: a reminder after <c>repeat_every</c>.</summary>
    Repeat,
    /// <summary>Incidents recovered.</summary>
    Resolved,
    /// <summary><c>ballast alert test</c>.</summary>
    Test,
    /// <summary>A monitor changed state too often; its messages are held until it settles.</summary>
    Flapping,
    /// <summary>A channel keeps failing; told on the other channels.</summary>
    ChannelFailing,
}

/// <summary>Where a notification stands.</summary>
public enum NotificationStatus
{
    Pending,
    Delivered,
    Failed,
}

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

/// <summary>
/// A message for one channel, stored before it is sent and retried until delivered or given up.
/// <see cref="DedupKey"/> names the incident (or group) so services that deduplicate (PagerDuty, Opsgenie) can.
/// <see cref="Accepted"/> lists the recipients a channel that sends one request per recipient (SMS) already delivered
/// to in an earlier attempt; later attempts skip them.
/// </summary>
public sealed record Notification(
    string Id,
    string Channel,
    AlertMessage Message,
    string DedupKey,
    NotificationStatus Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? DeliveredAt = null,
    string? LastError = null,
    string? Response = null,
    IReadOnlyList<string>? Accepted = null);

/// <summary>What a channel's service answered.</summary>
public sealed record DeliveryReceipt(string Response);

/// <summary>A delivery that failed in a way retrying cannot fix (a 400 for a malformed request, a rejected recipient).</summary>
public sealed class PermanentDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A delivery that reached some recipients and not others. <see cref="Accepted"/> are every recipient delivered to so
/// far (earlier attempts included), remembered so a retry sends only to the rest; <see cref="Permanent"/> when every
/// recipient still missing was refused in a way retrying cannot fix.
/// </summary>
public sealed class PartialDeliveryException(IReadOnlyList<string> accepted, string message, bool permanent, Exception? inner = null)
    : Exception(message, inner)
{
    public IReadOnlyList<string> Accepted { get; } = accepted;

    public bool Permanent { get; } = permanent;
}
