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
