using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>
/// Thresholds and incidents for one monitor: <c>failure_threshold</c> failures in a row make it DOWN and open an
/// incident dated from the first of them; <c>success_threshold</c> passes in a row resolve it. Pure: no clock, no I/O.
/// </summary>
public sealed class MonitorStateMachine(MonitorStatus status, Incident? openIncident)
{
    public MonitorStatus Status { get; private set; } = status;
    public Incident? OpenIncident { get; private set; } = openIncident;

    /// <summary>
    /// Whether the last <see cref="Apply"/> changed something a restart needs (state, counters that are counting,
    /// incident, last success); false for one more pass of a monitor that was already up.
    /// </summary>
    public bool StatusChanged { get; private set; } = true;

    /// <summary>Applies one check; returns the incident when this check opened or resolved one.</summary>
    public Incident? Apply(CheckResult result, MonitorConfig config, Func<string> newIncidentId)
    {
        var s = Status;
        Incident? changed = null;
        var state = s.State;
        int failures = s.ConsecutiveFailures, successes = s.ConsecutiveSuccesses;
        var firstFailure = s.FirstFailureAt;
        if (result.Passed)
        {
            failures = 0;
            firstFailure = null;
            successes++;
            if (OpenIncident is not null)
            {
                if (successes >= config.SuccessThreshold)
                {
                    changed = OpenIncident = OpenIncident with { ResolvedAt = result.FinishedAt };
                    OpenIncident = null;
                    state = MonitorState.Up;
                }
            }
            else state = MonitorState.Up;
        }
        else
        {
            successes = 0;
            if (failures == 0) firstFailure = result.StartedAt;
            failures++;
            if (OpenIncident is null)
            {
                if (failures >= config.FailureThreshold)
                {
                    changed = OpenIncident = new Incident(newIncidentId(), config.Name, firstFailure ?? result.StartedAt,
                        result.FinishedAt, null, result.Cause ?? "check failed");
                    state = MonitorState.Down;
                }
                else state = MonitorState.Pending;
            }
            else state = MonitorState.Down;
        }
        StatusChanged = state != s.State || failures != s.ConsecutiveFailures || changed is not null
                        || (OpenIncident is not null && successes != s.ConsecutiveSuccesses)
                        || (result.Passed && config is HeartbeatMonitorConfig) || s.LastCheckAt is null;
        Status = s with
        {
            State = state,
            ConsecutiveFailures = failures,
            ConsecutiveSuccesses = successes,
            FirstFailureAt = firstFailure,
            IncidentId = OpenIncident?.Id,
            LastCheckAt = result.StartedAt,
            LastLatencyMs = Math.Round(result.Latency.TotalMilliseconds, 3),
            LastError = result.Passed ? null : result.Cause,
            LastSuccessAt = result.Passed ? result.FinishedAt : s.LastSuccessAt,
            ChangedAt = state != s.State ? result.FinishedAt : s.ChangedAt,
        };
        return changed;
    }

    /// <summary>Marks the monitor paused (or back from pause) without touching its counters or incident.</summary>
    public void SetPaused(bool paused, DateTimeOffset now)
    {
        var state = paused ? MonitorState.Paused
            : OpenIncident is not null ? MonitorState.Down
            : Status.State == MonitorState.Paused ? MonitorState.Unknown : Status.State;
        if (state != Status.State) Status = Status with { State = state, ChangedAt = now };
    }
}
