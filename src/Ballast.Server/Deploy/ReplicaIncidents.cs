using System.Collections.Concurrent;
using Ballast.Core.Alerting;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;

namespace Ballast.Server.Deploy;

/// <summary>
/// Replica failures as checks of the service's SERVICE-replicas monitor: a replica's death is a failing result, the
/// moment every slot runs again (its replacement ready, or a rollout that replaced the release) a passing one. They go
/// through the same state machine, store writer and alert planner as any monitor's checks, so the incident is stored,
/// listed in /api/v1/incidents, acknowledgeable, resumed after a restart, and held by silences and maintenance windows.
/// </summary>
internal sealed class ReplicaIncidents(IMonitoringSink sink, IMonitoringStore store, AlertPlanner alerts, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Tracked> _services = new(StringComparer.Ordinal);

    /// <summary>Takes up where the last server left off: the monitor's saved status and its open incident, if any.</summary>
    public async Task ResumeAsync(string service, CancellationToken cancellationToken)
    {
        var monitor = ReplicasMonitor.For(service);
        var statuses = await store.LoadStatusesAsync(cancellationToken);
        var listed = await store.ListIncidentsAsync(open: true, monitor: monitor.Name, limit: 1, cancellationToken: cancellationToken);
        var open = listed.Count > 0 ? listed[0] : null;
        var tracked = new Tracked(monitor, new MonitorStateMachine(statuses.GetValueOrDefault(monitor.Name) ?? new MonitorStatus(monitor.Name, MonitorState.Unknown), open));
        if (_services.TryAdd(service, tracked) && open is not null) alerts.Resume(open, monitor);
    }

    /// <summary>A live replica of <paramref name="slot"/> died (or its replacement failed); the incident opens or stays open.</summary>
    public void Failed(string service, int slot, string cause)
    {
        var tracked = Of(service);
        lock (tracked)
        {
            tracked.Failing.Add(slot);
            Apply(tracked, passed: false, cause);
        }
    }

    /// <summary>The slot runs again; when no slot is failing any more, the incident resolves.</summary>
    public void Recovered(string service, int slot)
    {
        var tracked = Of(service);
        lock (tracked)
        {
            if (!tracked.Failing.Remove(slot) || tracked.Failing.Count > 0) return;
            Apply(tracked, passed: true, null);
        }
    }

    /// <summary>A release is live on every slot (a rollout, or the release started again with the server).</summary>
    public void AllRunning(string service)
    {
        var tracked = Of(service);
        lock (tracked)
        {
            tracked.Failing.Clear();
            if (tracked.Machine.OpenIncident is not null) Apply(tracked, passed: true, null);
        }
    }

    /// <summary>
    /// The replicas monitor of each of <paramref name="services"/> with its status and open incident, in the engine
    /// snapshot's shape, so /metrics publishes them like any monitor; a service not tracked yet is UNKNOWN.
    /// </summary>
    public IEnumerable<(Core.Config.MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)> Snapshot(IEnumerable<string> services)
    {
        foreach (var service in services)
        {
            if (!_services.TryGetValue(service, out var tracked))
            {
                var monitor = ReplicasMonitor.For(service);
                yield return (monitor, new MonitorStatus(monitor.Name, MonitorState.Unknown), null);
                continue;
            }
            (MonitorStatus Status, Incident? Open) now;
            lock (tracked) now = (tracked.Machine.Status, tracked.Machine.OpenIncident);
            yield return (tracked.Monitor, now.Status, now.Open);
        }
    }

    private Tracked Of(string service) => _services.GetOrAdd(service, s =>
    {
        var monitor = ReplicasMonitor.For(s);
        return new Tracked(monitor, new MonitorStateMachine(new MonitorStatus(monitor.Name, MonitorState.Unknown), null));
    });

    private void Apply(Tracked tracked, bool passed, string? cause)
    {
        var now = time.GetUtcNow();
        var result = new CheckResult(tracked.Monitor.Name, now, TimeSpan.Zero, passed, StoredText.Clean(cause));
        var changed = tracked.Machine.Apply(result, tracked.Monitor, () => Guid.CreateVersion7(now).ToString("N"));
        sink.Record(new CheckRecord(result, tracked.Machine.Status, changed, tracked.Machine.StatusChanged));
        if (changed is not null) alerts.Observe(changed, tracked.Monitor, tracked.Machine.Status.ConsecutiveFailures);
    }

    private sealed record Tracked(ReplicasMonitor Monitor, MonitorStateMachine Machine)
    {
        public HashSet<int> Failing { get; } = [];
    }
}
