namespace Ballast.Core.Monitoring;

/// <summary>Tuning of the monitoring engine (host settings, not user config).</summary>
public sealed record MonitoringEngineOptions
{
    /// <summary>
    /// Checks wake on a grid of this size: every check due within one step starts together, which costs a check up to
    /// this much start lag and saves a thread wake-up per check. Zero wakes each check at its exact time.
    /// </summary>
    public TimeSpan WakeGranularity { get; init; } = TimeSpan.FromMilliseconds(10);
}
