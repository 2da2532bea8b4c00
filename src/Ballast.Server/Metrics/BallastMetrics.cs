using Ballast.Core.Alerting;
using Ballast.Core.Deploy;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;
using Ballast.Storage.Monitoring;
using Ballast.Storage.Security;
using Prometheus;

namespace Ballast.Server.Metrics;

/// <summary>
/// Ballast's Prometheus metrics, in a registry of this server's own (several servers may share a process, as tests
/// do). Nothing polls: each scrape reads what Ballast already knows (the engine's snapshot, the writers' status, the
/// supervisor, two grouped counts from storage) just before the registry is written out. Checks are counted as they
/// happen by <see cref="CheckMetrics"/>.
/// </summary>
public sealed partial class BallastMetrics : IDisposable
{
    /// <summary>How long a scrape waits for storage's counts; past it they keep their last values.</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(3);

    private readonly IServiceProvider _services;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _scrape = new(1, 1);
    private readonly MonitorMetrics _monitors;
    private readonly Gauge _incidentsOpen, _monitorCount, _storagePending, _storageFailing, _auditPending, _auditFailing, _loopsFailing;
    private readonly Counter _storageWritten, _storageSetAside, _auditWritten, _auditDropped, _auditSetAside, _auditFailures, _loopRestarts, _checksMissed;
    private readonly LabelledCounts _notifications, _deploys;

    public BallastMetrics(IServiceProvider services, ILogger<BallastMetrics> log)
    {
        _services = services;
        _log = log;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        // process_cpu_seconds_total, process_resident_memory_bytes, dotnet_collection_count_total and the like.
        DotNetStats.Register(Registry);
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        var f = Factory;
        _monitors = new MonitorMetrics(f);
        _incidentsOpen = f.CreateGauge("ballast_incidents_open", "Incidents open now (one per monitor at most).");
        _monitorCount = f.CreateGauge("ballast_monitors", "Monitors configured, and the SERVICE-replicas monitor of each process service.");
        _storagePending = f.CreateGauge("ballast_storage_pending_writes", "Check results handed to the storage writer and not committed yet.");
        _storageFailing = f.CreateGauge("ballast_storage_failing", "1 while writes to storage fail (they are kept and retried), else 0.");
        _storageWritten = f.CreateCounter("ballast_storage_written_total", "Check results committed to storage since the server started.");
        _storageSetAside = f.CreateCounter("ballast_storage_set_aside_total", "Check results the database refused, set aside and logged, since the server started.");
        _auditPending = f.CreateGauge("ballast_audit_pending_writes", "Audit entries queued and not committed yet.");
        _auditFailing = f.CreateGauge("ballast_audit_failing", "1 while writes of audit entries fail, else 0.");
        _auditWritten = f.CreateCounter("ballast_audit_written_total", "Audit entries committed since the server started.");
        _auditDropped = f.CreateCounter("ballast_audit_dropped_total", "Audit entries dropped because the queue was full, since the server started.");
        _auditSetAside = f.CreateCounter("ballast_audit_set_aside_total", "Audit entries the database refused, since the server started.");
        _auditFailures = f.CreateCounter("ballast_audit_write_failures_total", "Failed attempts to write audit entries, since the server started.");
        _loopRestarts = f.CreateCounter("ballast_loop_restarts_total", "Background loops that failed and were restarted, since the server started.");
        _loopsFailing = f.CreateGauge("ballast_loops_failing", "Loops that failed and have not yet run a minute since their restart.");
        _checksMissed = f.CreateCounter("ballast_checks_missed_total", "Scheduled checks skipped because the previous check of the monitor overran.");
        _notifications = new LabelledCounts(f.CreateGauge("ballast_notifications",
            "Notifications kept in storage, by channel and status (pending, delivered, failed); retention prunes old delivered and failed ones.",
            ["channel", "status"]));
        _deploys = new LabelledCounts(f.CreateGauge("ballast_deploys",
            "Deploy records kept in the history, by service, kind (deploy or rollback) and outcome; retention keeps a number per service.",
            ["service", "kind", "outcome"]));
        f.CreateGauge("ballast_build_info", "Always 1; the version label says which Ballast runs.", ["version"]).WithLabels(ServerInfo.Version).Set(1);
        Registry.AddBeforeCollectCallback(CollectAsync);
    }

    /// <summary>This server's registry, which <c>/metrics</c> writes out.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Creates metrics in <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    private async Task CollectAsync(CancellationToken cancellationToken)
    {
        // Two scrapes at once would race on which series exist; the second waits for the first.
        await _scrape.WaitAsync(cancellationToken);
        try
        {
            var s = _services;
            var config = s.GetRequiredService<ConfigState>().Current;
            var now = s.GetRequiredService<TimeProvider>().GetUtcNow();
            var snapshot = s.GetRequiredService<MonitoringEngine>().Snapshot();
            // Process services' SERVICE-replicas monitors are fed by the process runtime, not scheduled by the engine.
            var replicas = s.GetRequiredService<Deploy.ProcessRuntime>().ReplicaMonitors();
            _monitors.Update(replicas.Count == 0 ? snapshot : [.. snapshot, .. replicas], config, now);
            _monitorCount.Set(snapshot.Count + replicas.Count);
            _incidentsOpen.Set(snapshot.Count(m => m.OpenIncident is not null) + replicas.Count(m => m.OpenIncident is not null));
            _checksMissed.IncTo(s.GetRequiredService<MonitoringEngine>().Stats.Snapshot().Missed);

            var writer = s.GetRequiredService<MonitoringWriter>().Status;
            _storagePending.Set(writer.Pending);
            _storageFailing.Set(writer.FailingSince is null ? 0 : 1);
            _storageWritten.IncTo(writer.Written);
            _storageSetAside.IncTo(writer.SetAside);
            var audit = s.GetRequiredService<AuditWriter>().Status;
            _auditPending.Set(audit.Pending);
            _auditFailing.Set(audit.FailingSince is null ? 0 : 1);
            _auditWritten.IncTo(audit.Written);
            _auditDropped.IncTo(audit.Dropped);
            _auditSetAside.IncTo(audit.SetAside);
            _auditFailures.IncTo(audit.Failures);
            var loops = s.GetRequiredService<LoopSupervisor>();
            _loopRestarts.IncTo(loops.TotalFaults);
            _loopsFailing.Set(loops.Degraded().Count);

            await CountStoredAsync(cancellationToken);
        }
        finally
        {
            _scrape.Release();
        }
    }

    private async Task CountStoredAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StoreTimeout);
        try
        {
            var notifications = await _services.GetRequiredService<INotificationStore>().CountAsync(timeout.Token);
            _notifications.Set(notifications.Select(n => (new[] { n.Channel, n.Status.ToString().ToLowerInvariant() }, (double)n.Count)));
            var deploys = await _services.GetRequiredService<IDeployStore>().CountAsync(timeout.Token);
            _deploys.Set(deploys.Select(d => (new[] { d.Service, d.Kind, Snake(d.Outcome.ToString()) }, (double)d.Count)));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            // A scrape still answers while storage is down (ballast_storage_failing says so); these keep their last values.
            Log.StoreCountFailed(_log, e, e is OperationCanceledException ? $"no answer within {StoreTimeout.TotalSeconds:0}s" : e.Message);
        }
    }

    // RolledBack → rolled_back, as Prometheus label values usually read.
    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>A gauge whose label sets come and go with what storage holds: sets no longer there are removed, not left at their last value.</summary>
    private sealed class LabelledCounts(Gauge gauge)
    {
        private HashSet<string[]> _published = new(LabelsComparer.Instance);

        public void Set(IEnumerable<(string[] Labels, double Value)> values)
        {
            var published = new HashSet<string[]>(LabelsComparer.Instance);
            foreach (var (labels, value) in values)
            {
                gauge.WithLabels(labels).Set(value);
                published.Add(labels);
            }
            foreach (var gone in _published.Where(l => !published.Contains(l))) gauge.RemoveLabelled(gone);
            _published = published;
        }
    }

    public void Dispose() => _scrape.Dispose();

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Metrics.StoreCountFailed, LogLevel.Warning, "Metrics scrape could not read notification and deploy counts from storage: {Reason}")]
        public static partial void StoreCountFailed(ILogger logger, Exception exception, string reason);
    }
}

/// <summary>Compares label value arrays by content.</summary>
internal sealed class LabelsComparer : IEqualityComparer<string[]>
{
    public static readonly LabelsComparer Instance = new();

    public bool Equals(string[]? x, string[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(string[] labels)
    {
        var hash = new HashCode();
        foreach (var label in labels) hash.Add(label, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
