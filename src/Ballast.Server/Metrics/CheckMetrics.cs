using System.Collections.Concurrent;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Logs.Rules;
using Ballast.Core.Monitoring;
using Ballast.Server.Hosting;
using Prometheus;

namespace Ballast.Server.Metrics;

/// <summary>
/// Counts every check as it happens (by monitor and result) and observes its duration (by monitor type), then hands
/// the record on to storage. Counting at the source is what makes <c>ballast_checks_total</c> exact: a value read at
/// scrape time would miss the checks between two scrapes. The counts live in memory and start at zero when the server
/// starts, as Prometheus counters do.
/// </summary>
public sealed class CheckMetrics : IMonitoringSink, IConfigChangeListener
{
    private readonly IMonitoringSink _inner;
    private readonly Counter _checks;
    private readonly Histogram _duration;
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string> _types;

    /// <param name="inner">Where records go after they are counted (the storage writer).</param>
    public CheckMetrics(IMonitoringSink inner, IMetricFactory metrics, ConfigState config)
    {
        _inner = inner;
        _checks = metrics.CreateCounter("ballast_checks_total", "Checks run since the server started, by monitor and result (pass or fail).",
            ["monitor", "result"]);
        // By type, not by monitor: a histogram per monitor would be 15 series each, 150,000 for 10,000 monitors.
        // ballast_monitor_last_latency_seconds gives each monitor's own figure.
        _duration = metrics.CreateHistogram("ballast_check_duration_seconds", "How long checks took, by monitor type.",
            new HistogramConfiguration { LabelNames = ["type"], Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _types = TypesOf(config.Current);
    }

    /// <summary>On the probe path: one dictionary lookup and a few atomic adds, no lock and no allocation after a monitor's first check.</summary>
    public void Record(CheckRecord record)
    {
        var result = record.Result;
        var series = _series.GetOrAdd(result.Monitor, static (name, self) => self.Create(name), this);
        (result.Passed ? series.Pass : series.Fail).Inc();
        series.Duration.Observe(Math.Max(0, result.Latency.TotalSeconds));
        _inner.Record(record);
    }

    /// <summary>Forgets the counts of monitors the edit removed, and files a monitor whose type changed under its new type.</summary>
    public void OnConfigChanged(BallastConfig updated)
    {
        var types = TypesOf(updated);
        Volatile.Write(ref _types, types);
        foreach (var (name, series) in _series)
        {
            if (!types.TryGetValue(name, out var type))
            {
                _series.TryRemove(name, out _);
                _checks.RemoveLabelled(name, "pass");
                _checks.RemoveLabelled(name, "fail");
            }
            else if (type != series.Type) _series[name] = series with { Type = type, Duration = _duration.WithLabels(type) };
        }
    }

    private Series Create(string monitor)
    {
        var type = Volatile.Read(ref _types).GetValueOrDefault(monitor, "unknown");
        return new Series(type, _checks.WithLabels(monitor, "pass"), _checks.WithLabels(monitor, "fail"), _duration.WithLabels(type));
    }

    // Replica and log rule monitors are not in monitors: but their checks are recorded like any monitor's.
    private static Dictionary<string, string> TypesOf(BallastConfig config)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var monitor in config.Monitors.Concat<MonitorConfig>(ReplicasMonitor.All(config)).Concat(LogRuleMonitor.All(config))) types.TryAdd(monitor.Name, monitor.Type);
        return types;
    }

    private sealed record Series(string Type, Counter.Child Pass, Counter.Child Fail, Histogram.Child Duration);
}
