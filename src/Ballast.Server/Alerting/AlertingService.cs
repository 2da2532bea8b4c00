using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;

namespace Ballast.Server.Alerting;

/// <summary>
/// Runs the way from incidents to people: the planner (told of incidents by the engine, of reloads by the config state)
/// and the dispatcher (woken by the planner). Both are given the config they start from by <c>AddBallastServer</c>.
/// The planner and the dispatcher run under the <see cref="LoopSupervisor"/>: a failure (the database gone for a while)
/// restarts the loop that hit it after a backoff and never stops the server.
/// </summary>
public sealed class AlertingService(ConfigState config, IMonitoringStore store, ISilenceStore silences, INotificationStore notifications,
    AlertPlanner planner, NotificationDispatcher dispatcher, LoopSupervisor supervisor) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resumed incidents must reach the planner before it plans anything new about them.
        await supervisor.RunAsync("alerting-resume", ResumeAsync, stoppingToken);
        await Task.WhenAll(
            supervisor.RunAsync("alert-planner", planner.RunAsync, stoppingToken),
            supervisor.RunAsync("notification-dispatcher", dispatcher.RunAsync, stoppingToken));
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        planner.SetSilences(await silences.ListSilencesAsync(cancellationToken: cancellationToken));
        var monitors = config.Current.Monitors.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var open = await store.ListIncidentsAsync(open: true, limit: 100_000, cancellationToken: cancellationToken);
        if (open.Count == 0) return;
        // An incident whose message was still waiting in memory when the server stopped (held by group_wait, or by a
        // database outage) was never told: it is planned again, not resumed as if announced.
        var announced = await notifications.AnnouncedAsync(open.Min(i => i.DetectedAt), cancellationToken);
        foreach (var incident in open)
        {
            if (!monitors.TryGetValue(incident.Monitor, out var monitor)) continue;
            if (announced.Contains(incident.Id)) planner.Resume(incident, monitor);
            else planner.Observe(incident, monitor, monitor.FailureThreshold);
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
