using System.Diagnostics.Metrics;

namespace Ballast.Core.Monitoring;

/// <summary>
/// How well the scheduler keeps its promises: checks due, done and missed, and how late each started (start lag).
/// Lag is kept in a fixed log-scale histogram, so reading percentiles costs nothing on the probe path.
/// </summary>
public sealed class SchedulerStats : IDisposable
{
    /// <summary>Upper bounds of the lag buckets, in milliseconds.</summary>
    private static readonly double[] Bounds = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, double.PositiveInfinity];

    private readonly long[] _lagCounts = new long[Bounds.Length];
    private long _due, _started, _completed, _missed, _loopFaults;
    private readonly Meter _meter = new("Ballast.Monitoring");
    private readonly Histogram<double> _lag;

    public SchedulerStats()
    {
        _lag = _meter.CreateHistogram<double>("ballast.check.start_lag", "ms", "How late checks start relative to their schedule");
        _meter.CreateObservableCounter("ballast.checks.completed", () => Interlocked.Read(ref _completed), description: "Checks completed");
        _meter.CreateObservableCounter("ballast.monitor_loop.faults", () => Interlocked.Read(ref _loopFaults), description: "Monitor loops that threw and were restarted");
        _meter.CreateObservableCounter("ballast.checks.missed", () => Interlocked.Read(ref _missed), description: "Scheduled checks skipped because the previous one overran");
    }

    public void Started(TimeSpan lag)
    {
        Interlocked.Increment(ref _due);
        Interlocked.Increment(ref _started);
        var ms = Math.Max(0, lag.TotalMilliseconds);
        var i = 0;
        while (ms > Bounds[i]) i++;
        Interlocked.Increment(ref _lagCounts[i]);
        _lag.Record(ms);
    }

    public void Completed() => Interlocked.Increment(ref _completed);

    /// <summary>A monitor's loop threw something no probe should: its check was recorded as failed and the loop restarted.</summary>
    public void LoopFaulted() => Interlocked.Increment(ref _loopFaults);

    public void Missed(long slots)
    {
        Interlocked.Add(ref _due, slots);
        Interlocked.Add(ref _missed, slots);
    }

    public SchedulerSnapshot Snapshot()
    {
        var counts = _lagCounts.Select(c => Interlocked.Read(ref c)).ToArray();
        return new(Interlocked.Read(ref _due), Interlocked.Read(ref _started), Interlocked.Read(ref _completed), Interlocked.Read(ref _missed),
            Percentile(counts, 0.50), Percentile(counts, 0.99), Interlocked.Read(ref _loopFaults));
    }

    private static double Percentile(long[] counts, double q)
    {
        var total = counts.Sum();
        if (total == 0) return 0;
        var target = (long)Math.Ceiling(total * q);
        long running = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            running += counts[i];
            if (running >= target) return double.IsPositiveInfinity(Bounds[i]) ? Bounds[^2] : Bounds[i]; // the open bucket reads as "at least"
        }
        return Bounds[^2];
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// Scheduler figures at one moment. Lag percentiles are bucket upper bounds (ms); 10000 means 10 s or more.
/// <c>LoopFaults</c> counts monitor loops that threw and were restarted.
/// </summary>
public sealed record SchedulerSnapshot(long Due, long Started, long Completed, long Missed, double StartLagP50Ms, double StartLagP99Ms, long LoopFaults);
