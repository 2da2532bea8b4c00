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
