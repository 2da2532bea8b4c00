using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Prometheus;

namespace Ballast.Server.Metrics;

/// <summary>
/// The per-monitor series, set from the engine's snapshot at each scrape. Tags are one label of the info series, not a
/// label each on every series: tags are free text users add and remove, and a label that changes makes a new series
/// (breaking <c>up</c>'s history), so they stay on <c>ballast_monitor_info</c>, which PromQL joins on <c>monitor</c>.
/// Series of a removed monitor (or one whose type or tags changed) are removed, not left at their last value.
/// </summary>
internal sealed class MonitorMetrics
{
    private static readonly MonitorState[] States = Enum.GetValues<MonitorState>();
    private static readonly string[] StateNames = [.. States.Select(s => s.ToString().ToUpperInvariant())];

    private readonly Gauge _up, _state, _latency, _info;
    private readonly Dictionary<string, Published> _published = new(StringComparer.Ordinal);
    private long _generation;

    public MonitorMetrics(IMetricFactory f)
    {
        _up = f.CreateGauge("ballast_monitor_up", "1 when the monitor's checks pass (state UP), 0 otherwise; ballast_monitor_state says which state.",
            ["monitor", "type"]);
        _state = f.CreateGauge("ballast_monitor_state",
            "The monitor's state: 1 for the state it is in, 0 for the others (UNKNOWN, UP, PENDING, DOWN, PAUSED, MAINTENANCE).", ["monitor", "state"]);
        _latency = f.CreateGauge("ballast_monitor_last_latency_seconds", "How long the monitor's last check took.", ["monitor"]);
        _info = f.CreateGauge("ballast_monitor_info", "Always 1; its labels describe the monitor: type, and tags as ,tag1,tag2, (match with =~\".*,TAG,.*\").",
            ["monitor", "type", "tags"]);
    }

    /// <summary>Called by one scrape at a time.</summary>
    public void Update(IReadOnlyList<(MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)> snapshot, BallastConfig config, DateTimeOffset now)
    {
        var generation = ++_generation;
        foreach (var (monitor, status, _) in snapshot)
        {
            var name = monitor.Name;
            var tags = monitor.Tags.Count == 0 ? "" : $",{string.Join(',', monitor.Tags)},";
            if (!_published.TryGetValue(name, out var series) || series.Type != monitor.Type || series.Tags != tags)
            {
                if (series is not null) Remove(name, series);
                series = new Published(monitor.Type, tags, _up.WithLabels(name, monitor.Type), [.. StateNames.Select(s => _state.WithLabels(name, s))]);
                _info.WithLabels(name, monitor.Type, tags).Set(1);
                _published[name] = series;
            }
            series.Generation = generation;
            // The API shows MAINTENANCE for a monitor in an open window whatever its checks say; so does this.
            var state = Suppression.MaintenanceOf(monitor, config, now) is null ? status.State : MonitorState.Maintenance;
            series.Up.Set(status.State == MonitorState.Up ? 1 : 0);
            for (var i = 0; i < States.Length; i++) series.States[i].Set(States[i] == state ? 1 : 0);
            if (status.LastLatencyMs is { } ms) (series.Latency ??= _latency.WithLabels(name)).Set(ms / 1000);
        }
        if (_published.Count == snapshot.Count) return;
        foreach (var (name, series) in _published.Where(p => p.Value.Generation != generation).ToArray())
        {
            Remove(name, series);
            _published.Remove(name);
        }
    }

    private void Remove(string name, Published series)
    {
        _up.RemoveLabelled(name, series.Type);
        _info.RemoveLabelled(name, series.Type, series.Tags);
        foreach (var state in StateNames) _state.RemoveLabelled(name, state);
        if (series.Latency is not null) _latency.RemoveLabelled(name);
    }

    private sealed class Published(string type, string tags, Gauge.Child up, Gauge.Child[] states)
    {
        public string Type { get; } = type;
        public string Tags { get; } = tags;
        public Gauge.Child Up { get; } = up;
        public Gauge.Child[] States { get; } = states;
        public Gauge.Child? Latency { get; set; }
        public long Generation { get; set; }
    }
}
