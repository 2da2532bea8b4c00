using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Server.Hosting;

namespace Ballast.Server.Alerting;

/// <summary>
/// Connects incidents to people: the engine's incident events feed the planner, stored notifications wake the
/// dispatcher, and config reloads reach both. Subscribes when built, before monitoring starts, so no incident is missed.
/// </summary>
public sealed class AlertingService : BackgroundService
{
    private readonly ConfigState _config;
    private readonly AlertPlanner _planner;
    private readonly NotificationDispatcher _dispatcher;

    public AlertingService(ConfigState config, MonitoringEngine engine, AlertPlanner planner, NotificationDispatcher dispatcher)
    {
        _config = config;
        _planner = planner;
        _dispatcher = dispatcher;
        Configure(config.Current);
        config.Changed += Configure;
        engine.IncidentChanged += (incident, monitor, status) => planner.Observe(incident, monitor, status.ConsecutiveFailures);
        planner.NotificationsAdded += dispatcher.Wake;
    }

    private void Configure(BallastConfig config)
    {
        _planner.Configure(config);
        _dispatcher.Configure(config);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_planner.RunAsync(stoppingToken), _dispatcher.RunAsync(stoppingToken));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _config.Changed -= Configure;
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
