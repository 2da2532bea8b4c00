using Ballast.Core.Alerting;

namespace Ballast.Server.Dashboard;

/// <summary>A channel whose last attempted notification failed: still retrying, or given up.</summary>
/// <param name="Retrying">True while the notification is retried; false once Ballast gave up on it.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while retrying.</param>
public sealed record FailingChannel(string Channel, bool Retrying, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt);

/// <summary>Which channels fail, read from the notifications storage keeps (the dispatcher records every attempt there).</summary>
public static class ChannelHealth
{
    /// <summary>How many of the newest notifications are looked at: enough for every channel that sent lately.</summary>
    public const int Window = 500;

    /// <summary>
    /// For each channel, its newest notification that was attempted: the channel is failing when that one failed
    /// (gave up) or is being retried after an error. A channel whose newest attempt was delivered is fine.
    /// </summary>
    public static IReadOnlyList<FailingChannel> Failing(IReadOnlyList<Notification> newestFirst) =>
        [.. newestFirst
            .Where(n => n.Attempts > 0 || n.Status != NotificationStatus.Pending)
            .GroupBy(n => n.Channel, StringComparer.Ordinal)
            .Select(g => g.First())
            .Where(n => n.Status == NotificationStatus.Failed || n.Status == NotificationStatus.Pending && n.LastError is not null)
            .Select(n => new FailingChannel(n.Channel, n.Status == NotificationStatus.Pending, n.Attempts, n.LastError, n.CreatedAt,
                n.Status == NotificationStatus.Pending ? n.NextAttemptAt : null))
            .OrderBy(c => c.Channel, StringComparer.Ordinal)];
}
