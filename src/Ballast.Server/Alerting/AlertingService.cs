using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;

namespace Ballast.Server.Alerting;

/// <summary>
/// Runs the way from incidents to people: the planner (told of incidents by the engine, of reloads by the config state)
/// and the dispatcher (woken by the planner). Both are given the current config when this service is built.
/// The planner and the dispatcher run under the <see cref="LoopSupervisor"/>: a failure (the database gone for a while)
/// restarts the loop that hit it after a backoff and never stops the server.
/// </summary>
public sealed class AlertingService : BackgroundService
{
    private readonly ConfigState _config;
    private readonly AlertPlanner _planner;
    private readonly NotificationDispatcher _dispatcher;
    private readonly IMonitoringStore _store;
    private readonly ISilenceStore _silences;
    private readonly INotificationStore _notifications;
    private readonly LoopSupervisor _supervisor;

    public AlertingService(ConfigState config, IMonitoringStore store, ISilenceStore silences, INotificationStore notifications,
        AlertPlanner planner, NotificationDispatcher dispatcher, LoopSupervisor supervisor)
    {
        _notifications = notifications;
        _supervisor = supervisor;
        _config = config;
        _store = store;
        _silences = silences;
        _planner = planner;
        _dispatcher = dispatcher;
        planner.Configure(config.Current);
        dispatcher.Configure(config.Current);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resumed incidents must reach the planner before it plans anything new about them.
        await _supervisor.RunAsync("alerting-resume", ResumeAsync, stoppingToken);
        await Task.WhenAll(
            _supervisor.RunAsync("alert-planner", _planner.RunAsync, stoppingToken),
            _supervisor.RunAsync("notification-dispatcher", _dispatcher.RunAsync, stoppingToken));
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        _planner.SetSilences(await _silences.ListSilencesAsync(cancellationToken: cancellationToken));
        var monitors = _config.Current.Monitors.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var open = await _store.ListIncidentsAsync(open: true, limit: 100_000, cancellationToken: cancellationToken);
        if (open.Count == 0) return;
        // An incident whose message was still waiting in memory when the server stopped (held by group_wait, or by a
        // database outage) was never told: it is planned again, not resumed as if announced.
        var announced = await _notifications.AnnouncedAsync(open.Min(i => i.DetectedAt), cancellationToken);
        foreach (var incident in open)
        {
            if (!monitors.TryGetValue(incident.Monitor, out var monitor)) continue;
            if (announced.Contains(incident.Id)) _planner.Resume(incident, monitor);
            else _planner.Observe(incident, monitor, monitor.FailureThreshold);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stopping: pending notifications stay stored and go out after the restart
        }
    }
}
