namespace Ballast.Core.Monitoring;

/// <summary>Where a monitor stands.</summary>
public enum MonitorState
{
    /// <summary>Not checked yet.</summary>
    Unknown,
    Up,
    /// <summary>Failing, but fewer times in a row than the failure threshold.</summary>
    Pending,
    Down,
    Paused,
    Maintenance,
}

/// <summary>One check of one monitor.</summary>
/// <param name="Monitor">Monitor name.</param>
/// <param name="StartedAt">When the check started.</param>
/// <param name="Latency">How long it took (a heartbeat's run duration, when known).</param>
/// <param name="Passed">Whether every condition held.</param>
/// <param name="Cause">The failure sentence when it did not.</param>
/// <param name="Status">HTTP status, when there was one.</param>
public sealed record CheckResult(string Monitor, DateTimeOffset StartedAt, TimeSpan Latency, bool Passed, string? Cause, int? Status = null)
{
    public DateTimeOffset FinishedAt => StartedAt + Latency;
}

/// <summary>
/// A stretch of downtime. <see cref="StartedAt"/> is the first failing check of the run that reached the threshold,
/// <see cref="DetectedAt"/> when the threshold was reached, <see cref="ResolvedAt"/> when it recovered.
/// </summary>
/// <param name="AcknowledgedAt">When someone took it (<c>ballast ack</c>); reminders stop.</param>
/// <param name="AcknowledgedBy">Who took it.</param>
public sealed record Incident(string Id, string Monitor, DateTimeOffset StartedAt, DateTimeOffset DetectedAt, DateTimeOffset? ResolvedAt, string Cause,
    DateTimeOffset? AcknowledgedAt = null, string? AcknowledgedBy = null)
{
    public TimeSpan TimeToDetect => DetectedAt - StartedAt;
    public TimeSpan? TimeToRecover => ResolvedAt - StartedAt;
    public bool IsOpen => ResolvedAt is null;
}

/// <summary>The state of one monitor as it is persisted and served; enough to resume exactly after a restart.</summary>
public sealed record MonitorStatus(
    string Monitor,
    MonitorState State,
    int ConsecutiveFailures = 0,
    int ConsecutiveSuccesses = 0,
    DateTimeOffset? FirstFailureAt = null,
    string? IncidentId = null,
    DateTimeOffset? LastCheckAt = null,
    double? LastLatencyMs = null,
    string? LastError = null,
    DateTimeOffset? LastSuccessAt = null,
    DateTimeOffset? ChangedAt = null);

/// <summary>
/// What the engine hands to storage for each check: the result, the status after it, and the incident it opened or
/// resolved. <see cref="StatusChanged"/> is false when the status differs only in what the next check will refresh
/// (last check time and latency of a steady monitor), so a store can skip rewriting it.
/// </summary>
public sealed record CheckRecord(CheckResult Result, MonitorStatus Status, Incident? Incident, bool StatusChanged = true);

/// <summary>Receives every check as it happens. Implementations must not block: this is on the probe path.</summary>
public interface IMonitoringSink
{
    void Record(CheckRecord record);
}
