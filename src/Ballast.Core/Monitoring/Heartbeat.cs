using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>What a job reports on its push URL.</summary>
public enum HeartbeatSignal
{
    /// <summary><c>/api/push/{token}</c>: the job ran and succeeded.</summary>
    Success,
    /// <summary><c>/start</c>: a run began; it must finish within grace.</summary>
    Start,
    /// <summary><c>/fail</c>: the job failed.</summary>
    Fail,
    /// <summary><c>/{exitCode}</c>: 0 is success, anything else failure.</summary>
    ExitCode,
}

/// <summary>
/// The clock side of a heartbeat: when the next ping is due and what to say when it is late. The engine evaluates it
/// at the deadline, and again whenever a ping arrives.
/// </summary>
public sealed class HeartbeatClock(DateTimeOffset watchingSince, DateTimeOffset? lastPingAt)
{
    public DateTimeOffset WatchingSince { get; } = watchingSince;
    public DateTimeOffset? LastPingAt { get; private set; } = lastPingAt;
    public DateTimeOffset? RunStartedAt { get; private set; }

    public void Started(DateTimeOffset at) => RunStartedAt = at;

    /// <summary>Records a finished run (success or failure); returns how long it ran when its start was reported.</summary>
    public TimeSpan? Finished(DateTimeOffset at)
    {
        var duration = at - RunStartedAt;
        LastPingAt = at;
        RunStartedAt = null;
        return duration;
    }

    /// <summary>When the monitor becomes late unless a ping arrives, and the sentence to say then.</summary>
    public (DateTimeOffset Deadline, string Reason) Deadline(HeartbeatMonitorConfig config)
    {
        var grace = Duration.Format(config.Grace);
        var since = LastPingAt ?? WatchingSince;
        (DateTimeOffset, string) due;
        if (config.Cron is { } cron)
        {
            // A ping slightly before the scheduled time belongs to that run, not the previous one.
            var tolerance = config.Grace < TimeSpan.FromMinutes(1) ? config.Grace : TimeSpan.FromMinutes(1);
            var next = cron.GetNextOccurrence(since + tolerance, config.Zone) ?? DateTimeOffset.MaxValue - config.Grace;
            due = (next + config.Grace, $"no ping for the run due {next.ToOffset(config.Zone.GetUtcOffset(next)):yyyy-MM-dd HH:mm zzz} (schedule \"{config.Schedule}\", grace {grace})");
        }
        else
        {
            var period = config.Period!.Value;
            var last = LastPingAt is { } l ? $"last ping {l:yyyy-MM-dd HH:mm:ss} UTC" : "no ping since monitoring started";
            due = (since + period + config.Grace, $"no ping within {Duration.Format(period)} + grace {grace} ({last})");
        }
        if (RunStartedAt is { } started && started + config.Grace < due.Item1)
            return (started + config.Grace, $"run started at {started:yyyy-MM-dd HH:mm:ss} UTC has not finished after grace {grace}");
        return due;
    }
}
