using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Server.Alerting;
using Ballast.Server.Deploy;
using Ballast.Server.Logs;
using Ballast.Server.Monitoring;
using Ballast.Server.StatusPages;

namespace Ballast.Server.Hosting;

/// <summary>
/// The server's part of the composition root: the running config and the background services, in the order they
/// start (monitoring first, so alerting resumes incidents the engine already knows). Builds on
/// <c>AddBallastMonitoring</c>, <c>AddBallastAlerting</c>, <c>AddBallastDeploy</c> and <c>AddBallastStorage</c>.
/// </summary>
public static class BallastServerServices
{
    public static IServiceCollection AddBallastServer(this IServiceCollection services, BallastConfig config)
    {
        // Listeners are resolved on the first reload: they read the state for the config they start from.
        services.AddSingleton(sp => new ConfigState(config, sp.GetServices<IConfigChangeListener>));
        services.AddSingleton<MonitoringService>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitoringService>());
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<MonitoringService>());
        services.AddHostedService<ConfigReloadService>();
        services.AddHostedService<RetentionService>();
        services.AddBallastStatusPages();
        services.AddHostedService(sp =>
        {
            // The host builds every hosted service before it starts any, and monitoring starts first and may report an
            // incident at once: the planner and the dispatcher must know the config by then. Reloads reach them as listeners.
            var current = sp.GetRequiredService<ConfigState>().Current;
            sp.GetRequiredService<AlertPlanner>().Configure(current);
            sp.GetRequiredService<NotificationDispatcher>().Configure(current);
            return ActivatorUtilities.CreateInstance<AlertingService>(sp);
        });
        // Each readiness poll has its own short deadline (Replica.WaitReadyAsync) and is repeated until the replica's
        // startup_timeout; the client's timeout is only the backstop, and no cookie may carry from one replica to the next.
        services.AddHttpClient(ReplicaLauncher.ClientName, c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false });
        services.AddSingleton<ProcessRuntime>();
        services.AddHostedService(sp => sp.GetRequiredService<ProcessRuntime>());
        services.AddBallastLogRules();
        return services;
    }
}
