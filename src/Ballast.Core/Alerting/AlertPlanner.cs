using System.Threading.Channels;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Alerting;

/// <summary>
/// Turns incidents into notifications: routes each to its channels, merges incidents opened within <c>group_wait</c>
/// on one route into one message, sends a resolved message (when <c>send_resolved</c>) and reminders every
/// <c>repeat_every</c> until the incident resolves. Every notification is stored before the dispatcher sends it.
/// Incidents arrive from the engine without waiting; all planning happens on one loop, so no locks are needed.
/// </summary>
public sealed partial class AlertPlanner(INotificationStore store, TimeProvider time, ILogger<AlertPlanner> log,
    IEnumerable<INotificationListener>? notificationListeners = null, StoreRefusals? refusals = null) : IIncidentListener, IConfigChangeListener
{
    private readonly INotificationListener[] _notificationListeners = notificationListeners?.ToArray() ?? [];
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<(string GroupKey, NotificationKind Kind), Group> _groups = [];
    private readonly Dictionary<string, Open> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<DateTimeOffset>> _changes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _flapping = new(StringComparer.Ordinal); // monitor → its last change
    private BallastConfig _config = new();
    private IReadOnlyList<Silence> _silences = [];
    private readonly StoreRetry _storeRetry = new(time, log, "alert planner", refusals ?? new StoreRefusals());

    public void Configure(BallastConfig config) => Volatile.Write(ref _config, config);

    void IConfigChangeListener.OnConfigChanged(BallastConfig updated) => Configure(updated);

    void IIncidentListener.OnIncidentChanged(Incident incident, MonitorConfig monitor, MonitorStatus status) =>
        Observe(incident, monitor, status.ConsecutiveFailures);

    /// <summary>The silences in force (all of them; each knows when it is active).</summary>
    public void SetSilences(IReadOnlyList<Silence> silences) => Volatile.Write(ref _silences, silences);

    /// <summary>An incident opened or resolved (called from the probe path: never blocks).</summary>
    public void Observe(Incident incident, MonitorConfig monitor, int failedChecks) => _events.Writer.TryWrite(new Observed(incident, monitor, failedChecks));

    /// <summary>Someone took the incident: no more reminders for it.</summary>
    public void Acknowledge(string incidentId) => _events.Writer.TryWrite(new Acknowledged(incidentId));

    /// <summary>
    /// After a restart: incidents that were open (and announced) before it. They are not announced again; their
    /// reminders continue one <c>repeat_every</c> from now unless acknowledged.
    /// </summary>
    public void Resume(Incident incident, MonitorConfig monitor) => _events.Writer.TryWrite(new Resumed(incident, monitor));

    private sealed record Observed(Incident Incident, MonitorConfig Monitor, int FailedChecks);
    private sealed record Acknowledged(string IncidentId);
    private sealed record Resumed(Incident Incident, MonitorConfig Monitor);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = await StepAsync(cancellationToken);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waits = new List<Task> { _events.Reader.WaitToReadAsync(wake.Token).AsTask() };
            if (next is { } at) waits.Add(Task.Delay(Max(at - time.GetUtcNow(), TimeSpan.Zero), time, wake.Token));
            await Task.WhenAny(waits);
            await wake.CancelAsync();
        }
    }

    /// <summary>Plans every incident observed so far and stores what is due now; returns when the next thing falls due.</summary>
    public async Task<DateTimeOffset?> StepAsync(CancellationToken cancellationToken)
    {
        // Settled (no change for a whole flap window): a still-open incident is then announced like any held one.
        var settledBy = time.GetUtcNow() - Volatile.Read(ref _config).Alerting.FlapWindow;
        foreach (var (monitor, _) in _flapping.Where(f => f.Value <= settledBy).ToArray()) _flapping.Remove(monitor);
        while (_events.Reader.TryRead(out var e))
        {
            switch (e)
            {
                case Observed o:
                    Plan(o.Incident, o.Monitor, o.FailedChecks);
                    break;
                case Acknowledged a:
                    _open.Remove(a.IncidentId);
                    break;
                case Resumed r when r.Incident.IsOpen && r.Incident.AcknowledgedAt is null:
                    var item = new AlertItem(r.Incident.Id, r.Monitor.Name, r.Monitor.Type, r.Monitor.Severity, r.Incident.Cause, r.Incident.StartedAt,
                        r.Incident.DetectedAt, null, 0, r.Monitor.Runbook);
                    _open[r.Incident.Id] = new Open(item, AlertRouter.Route(r.Monitor, Volatile.Read(ref _config).Alerting), time.GetUtcNow());
                    _announced.Add(r.Incident.Id);
                    break;
            }
        }
        await EmitDueAsync(cancellationToken);
        return NextDeadline();
    }

    private void Plan(Incident incident, MonitorConfig monitor, int failedChecks)
    {
        var config = Volatile.Read(ref _config);
        var item = new AlertItem(incident.Id, monitor.Name, monitor.Type, monitor.Severity, incident.Cause, incident.StartedAt,
            incident.DetectedAt, incident.ResolvedAt, failedChecks, monitor.Runbook);
        var targets = AlertRouter.Route(monitor, config.Alerting);
        NoteChange(incident, monitor, item, targets, config.Alerting);
        // The group window runs from the moment the incident was detected (or resolved), not from when it was planned.
        if (incident.IsOpen)
        {
            var due = incident.DetectedAt + config.Alerting.GroupWait;
            Add(targets, NotificationKind.Firing, item, due);
            _open[incident.Id] = new Open(item, targets, due);
            return;
        }
        _open.Remove(incident.Id);
        // Opened and resolved inside one group window: nobody was told it was down, so there is nothing to resolve.
        var unsent = false;
        foreach (var (key, group) in _groups.Where(g => g.Key.Kind == NotificationKind.Firing).ToArray())
            if (group.Items.RemoveAll(i => i.IncidentId == incident.Id) > 0)
            {
                unsent = true;
                if (group.Items.Count == 0) _groups.Remove(key);
            }
        if (!unsent && config.Alerting.SendResolved) Add(targets, NotificationKind.Resolved, item, incident.ResolvedAt!.Value + config.Alerting.GroupWait);
        else _announced.Remove(incident.Id); // nothing more will be said about it
    }

    /// <summary>Counts state changes; at flap_threshold within flap_window the monitor is reported once as FLAPPING.</summary>
    private void NoteChange(Incident incident, MonitorConfig monitor, AlertItem item, IReadOnlyList<AlertRouter.Target> targets, AlertingConfig alerting)
    {
        if (alerting.FlapThreshold == 0) return;
        var at = incident.ResolvedAt ?? incident.DetectedAt;
        if (!_changes.TryGetValue(monitor.Name, out var changes)) _changes[monitor.Name] = changes = new Queue<DateTimeOffset>();
        changes.Enqueue(at);
        while (changes.Count > 0 && changes.Peek() <= at - alerting.FlapWindow) changes.Dequeue();
        if (_flapping.ContainsKey(monitor.Name))
        {
            _flapping[monitor.Name] = at;
            return;
        }
        if (changes.Count < alerting.FlapThreshold) return;
        _flapping[monitor.Name] = at;
        // Messages already waiting for this monitor are dropped: the FLAPPING message replaces them.
        foreach (var group in _groups.Values) group.Items.RemoveAll(i => i.Monitor == monitor.Name);
        Add(targets, NotificationKind.Flapping, item with { FailedChecks = changes.Count }, at);
    }

    private void Add(IReadOnlyList<AlertRouter.Target> targets, NotificationKind kind, AlertItem item, DateTimeOffset due)
    {
        foreach (var byGroup in targets.GroupBy(t => t.GroupKey))
        {
            if (!_groups.TryGetValue((byGroup.Key, kind), out var group)) _groups[(byGroup.Key, kind)] = group = new Group(due);
            group.Items.Add(item);
            foreach (var t in byGroup) group.Channels.Add(t.Channel);
        }
    }

    private async Task EmitDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var config = Volatile.Read(ref _config);
        var dashboard = (config.Server.PublicUrl ?? config.Server.Listen).ToString();
        var notifications = new List<Notification>();
        // Names are unique (the config refuses a monitor named like a replicas monitor or a log rule); the first one wins regardless.
        var monitors = new Dictionary<string, MonitorConfig>(StringComparer.Ordinal);
        foreach (var m in config.Monitors.Concat<MonitorConfig>(Deploy.ReplicasMonitor.All(config)).Concat(Logs.Rules.LogRuleMonitor.All(config))) monitors.TryAdd(m.Name, m);
        var silences = Volatile.Read(ref _silences);
        bool Held(AlertItem item) => _flapping.ContainsKey(item.Monitor) || silences.Any(x => x.IsActive(now) && x.Covers(item.Monitor))
                                     || (monitors.TryGetValue(item.Monitor, out var m) && Suppression.MaintenanceOf(m, config, now) is not null);
        foreach (var (key, group) in _groups.Where(g => g.Value.Due <= now).ToArray())
        {
            _groups.Remove(key);
            // Held back by a silence or maintenance: not announced now; a reminder announces it once the hold ends.
            // A recovery is only told to those who were told of the failure.
            var items = key.Kind switch
            {
                NotificationKind.Resolved => group.Items.Where(i => _announced.Remove(i.IncidentId) && !Held(i)).ToList(),
                NotificationKind.Flapping => group.Items,
                _ => group.Items.Where(i => !Held(i)).ToList(),
            };
            if (key.Kind == NotificationKind.Firing) _announced.UnionWith(items.Select(i => i.IncidentId));
            if (items.Count > 0) notifications.AddRange(Notify(key.Kind, items, group.Channels, dashboard, now));
        }
        foreach (var open in _open.Values.ToArray())
        {
            var announced = _announced.Contains(open.Item.IncidentId);
            var due = announced
                ? config.Alerting.RepeatEvery > TimeSpan.Zero && open.LastSent + config.Alerting.RepeatEvery <= now
                : open.LastSent <= now && !_groups.Values.Any(g => g.Items.Contains(open.Item));
            if (!due || Held(open.Item)) continue;
            open.LastSent = now;
            _announced.Add(open.Item.IncidentId);
            notifications.AddRange(Notify(announced ? NotificationKind.Repeat : NotificationKind.Firing, [open.Item],
                open.Targets.Select(t => t.Channel), dashboard, now));
        }
        if (notifications.Count == 0) return;
        // What was planned above is already taken off the groups, so it must reach the store: retried, never dropped.
        // Storing twice is harmless (the ids are fixed), in case a commit succeeded but its answer was lost.
        var stored = await StoreAsync(notifications, cancellationToken);
        if (stored.Count == 0) return;
        Log.Planned(log, stored.Count, string.Join(", ", stored.Select(n => $"{n.Message.Kind}→{n.Channel}").Distinct()));
        foreach (var listener in _notificationListeners) listener.OnNotificationsAdded();
    }

    /// <summary>
    /// The notifications the store took. A batch it refuses is stored one by one, so a notification it can never take
    /// is set aside alone and costs the others nothing.
    /// </summary>
    private async Task<IReadOnlyList<Notification>> StoreAsync(List<Notification> notifications, CancellationToken cancellationToken)
    {
        var whole = await _storeRetry.WriteAsync(ct => store.AddAsync(notifications, ct),
            notifications.Count == 1 ? () => StoreRetry.Describe(notifications[0]) : null, cancellationToken);
        if (whole is null) return notifications;
        if (notifications.Count == 1) return [];
        var stored = new List<Notification>();
        foreach (var n in notifications)
            if (await _storeRetry.WriteAsync(ct => store.AddAsync([n], ct), () => StoreRetry.Describe(n), cancellationToken) is null) stored.Add(n);
        return stored;
    }

    private static IEnumerable<Notification> Notify(NotificationKind kind, IEnumerable<AlertItem> incidents, IEnumerable<string> channels, string dashboard, DateTimeOffset now)
    {
        var items = incidents.ToArray();
        var message = new AlertMessage(kind, items, dashboard, now);
        var dedup = items.Length == 1 ? items[0].IncidentId : $"group-{items[0].IncidentId}";
        return channels.Distinct().Select(channel =>
            new Notification(Guid.CreateVersion7(now).ToString("N"), channel, message, dedup, NotificationStatus.Pending, 0, now, now));
    }

    private DateTimeOffset? NextDeadline()
    {
        DateTimeOffset? next = _groups.Count == 0 ? null : _groups.Values.Min(g => g.Due);
        var repeat = Volatile.Read(ref _config).Alerting.RepeatEvery;
        if (repeat > TimeSpan.Zero && _open.Count > 0)
        {
            var due = _open.Values.Min(o => o.LastSent) + repeat;
            if (next is null || due < next) next = due;
        }
        foreach (var last in _flapping.Values)
        {
            var settles = last + Volatile.Read(ref _config).Alerting.FlapWindow;
            if (next is null || settles < next) next = settles;
        }
        // Held-back incidents are looked at again every few seconds, so the end of a silence or window is noticed.
        if (_open.Keys.Any(id => !_announced.Contains(id)))
        {
            var soon = time.GetUtcNow() + TimeSpan.FromSeconds(5);
            if (next is null || soon < next) next = soon;
        }
        return next;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Group(DateTimeOffset due)
    {
        public DateTimeOffset Due { get; } = due;
        public List<AlertItem> Items { get; } = [];
        public HashSet<string> Channels { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Open(AlertItem item, IReadOnlyList<AlertRouter.Target> targets, DateTimeOffset lastSent)
    {
        public AlertItem Item { get; } = item;
        public IReadOnlyList<AlertRouter.Target> Targets { get; } = targets;
        public DateTimeOffset LastSent { get; set; } = lastSent;
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Alerting.NotificationsQueued, LogLevel.Information, "Queued {Count} notifications ({Summary})")]
        public static partial void Planned(ILogger logger, int count, string summary);
    }
}
