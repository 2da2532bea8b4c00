using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Deploy.Providers;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;
using Ballast.Core.Supervision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ballast.Core;

/// <summary>
/// The composition root of what runs without a host or a database driver: the clock, the probes, the channel senders,
/// the monitoring engine and the alert planner and dispatcher, wired to each other through their listener interfaces,
/// and the deploy pipeline with its providers.
/// The server, the CLI verbs and the tests all build from these, so a kind added here is known everywhere.
/// </summary>
public static class BallastCoreServices
{
    /// <summary>The clock (<paramref name="time"/>, or the system's) and the loop supervisor.</summary>
    public static IServiceCollection AddBallastCore(this IServiceCollection services, TimeProvider? time = null)
    {
        services.TryAddSingleton(time ?? TimeProvider.System);
        services.TryAddSingleton<LoopSupervisor>();
        return services;
    }

    /// <summary>
    /// Every channel sender, each a named strategy the dispatcher picks by the channel's <c>type</c>, and the HTTP
    /// client they share (<see cref="ChannelHttp"/>).
    /// </summary>
    public static IServiceCollection AddBallastChannels(this IServiceCollection services, TimeProvider? time = null)
    {
        services.AddBallastCore(time);
        // A second handler chain on the named client would put two breakers in every request's way.
        if (services.Any(d => d.ServiceType == typeof(IChannelSender))) return services;
        services.AddChannelHttpClient();
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IChannelSender, EmailSender>(),
            ServiceDescriptor.Singleton<IChannelSender, WebhookSender>(),
            ServiceDescriptor.Singleton<IChannelSender, SlackSender>(),
            ServiceDescriptor.Singleton<IChannelSender, DiscordSender>(),
            ServiceDescriptor.Singleton<IChannelSender, TeamsSender>(),
            ServiceDescriptor.Singleton<IChannelSender, PagerDutySender>(),
            ServiceDescriptor.Singleton<IChannelSender, OpsgenieSender>(),
            ServiceDescriptor.Singleton<IChannelSender, TelegramSender>(),
            ServiceDescriptor.Singleton<IChannelSender, NtfySender>(),
            ServiceDescriptor.Singleton<IChannelSender, TwilioSender>(),
            ServiceDescriptor.Singleton<IChannelSender, SmsWebhookSender>(),
            ServiceDescriptor.Singleton<IChannelSender, SnsSender>(),
        ]);
        return services;
    }

    /// <summary>The probes and the engine; the engine tells every <see cref="IIncidentListener"/> of incidents.</summary>
    public static IServiceCollection AddBallastMonitoring(this IServiceCollection services, TimeProvider? time = null)
    {
        services.AddBallastCore(time);
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IProbe, HttpProbe>(),
            ServiceDescriptor.Singleton<IProbe, TcpProbe>(),
            ServiceDescriptor.Singleton<IProbe, TlsProbe>(),
            ServiceDescriptor.Singleton<IProbe, DnsProbe>(),
        ]);
        services.TryAddSingleton(new MonitoringEngineOptions());
        services.TryAddSingleton<MonitoringEngine>();
        return services;
    }

    /// <summary>
    /// The planner (an incident and config listener) and the dispatcher (woken by the planner, and a config listener).
    /// Needs an <see cref="INotificationStore"/>.
    /// </summary>
    public static IServiceCollection AddBallastAlerting(this IServiceCollection services, TimeProvider? time = null)
    {
        services.AddBallastChannels(time);
        services.TryAddSingleton<StoreRefusals>();
        services.TryAddSingleton<AlertPlanner>();
        services.TryAddSingleton<NotificationDispatcher>();
        services.AddSingleton<IIncidentListener>(sp => sp.GetRequiredService<AlertPlanner>());
        services.AddSingleton<INotificationListener>(sp => sp.GetRequiredService<NotificationDispatcher>());
        // Routes and channels change before the monitors do, so a new monitor's first incident meets its new route.
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<AlertPlanner>());
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<NotificationDispatcher>());
        return services;
    }

    /// <summary>
    /// The deploy pipeline, its verifier (with a probe of its own, apart from monitoring's) and every provider, each
    /// keyed by the type of the provider section it deploys. Needs an <see cref="IDeployStore"/>; whoever resolves the
    /// pipeline runs the schema migrator first.
    /// </summary>
    public static IServiceCollection AddBallastDeploy(this IServiceCollection services, TimeProvider? time = null)
    {
        services.AddBallastCore(time);
        services.TryAddSingleton(new LightsailProviderOptions());
        services.AddHttpClient(ProcessProvider.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IDeployProvider, ProcessProvider>(),
            ServiceDescriptor.Singleton<IDeployProvider, LightsailProvider>(),
        ]);
        services.TryAddSingleton<HttpProbe>();
        services.TryAddSingleton<Verifier>();
        services.TryAddSingleton<DeployPipeline>();
        return services;
    }
}
