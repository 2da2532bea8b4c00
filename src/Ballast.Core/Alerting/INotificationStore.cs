namespace Ballast.Core.Alerting;

/// <summary>
/// Durable notifications: stored before sending, so a restart or a long outage of a channel loses nothing.
/// Implemented on SQLite and PostgreSQL in Ballast.Storage.
/// </summary>
public interface INotificationStore
{
    Task AddAsync(IReadOnlyList<Notification> notifications, CancellationToken cancellationToken = default);

    /// <summary>Pending notifications due at or before <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<Notification>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>When the next pending notification is due, or null when none is pending.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default);

    Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset at, string response, CancellationToken cancellationToken = default);

    Task MarkRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default);

    /// <summary>Remembers the recipients a notification was already delivered to, so its retries skip them (across restarts too).</summary>
    Task RecordAcceptedAsync(string id, IReadOnlyList<string> accepted, CancellationToken cancellationToken = default);

    Task MarkFailedAsync(string id, int attempts, string error, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a notification failed and nothing else: the smallest write that takes it out of Pending, for one whose
    /// fuller records the store refused.
    /// </summary>
    Task SetAsideAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The incidents that a firing, reminder or flapping notification created at or after <paramref name="since"/>
    /// names: those somebody was (or is being) told of. After a restart, an open incident missing here was never
    /// announced (it was still waiting in memory) and must be planned again.
    /// </summary>
    Task<IReadOnlySet<string>> AnnouncedAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>
    /// The notifications that name <paramref name="incidentId"/> (firing, reminders, resolved, flapping), created at or
    /// after <paramref name="since"/> (the incident's start: nothing older can name it), oldest first.
    /// </summary>
    Task<IReadOnlyList<Notification>> ForIncidentAsync(string incidentId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Notifications, newest first, optionally only those with <paramref name="status"/>.</summary>
    Task<IReadOnlyList<Notification>> ListAsync(NotificationStatus? status = null, int limit = 500, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes delivered and failed notifications created before <paramref name="before"/> and silences that ended or
    /// were expired before it; pending notifications always stay. Returns how many rows went.
    /// </summary>
    Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>How many notifications storage keeps, by channel and status (retention prunes delivered and failed ones).</summary>
    Task<IReadOnlyList<NotificationCount>> CountAsync(CancellationToken cancellationToken = default);
}

/// <summary>How many notifications of one channel have one status.</summary>
public sealed record NotificationCount(string Channel, NotificationStatus Status, long Count);
