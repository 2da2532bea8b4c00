using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Tests.Alerting;

/// <summary>
/// The alerting part of Ballast's composition root (<c>AddBallastAlerting</c>, as the server registers it) over the
/// test's store and clock, so the planner, the dispatcher and the senders under test are wired as in production and a
/// wiring mistake in the root fails these tests too.
/// </summary>
internal sealed class AlertingServices : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="overrides">Runs after Ballast's registrations: a recording logger, say.</param>
    public AlertingServices(INotificationStore store, TimeProvider time, Action<IServiceCollection>? overrides = null)
    {
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(store);
        services.AddBallastAlerting(time);
        overrides?.Invoke(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public NotificationDispatcher Dispatcher => _services.GetRequiredService<NotificationDispatcher>();

    public AlertPlanner Planner => _services.GetRequiredService<AlertPlanner>();

    /// <summary>The registered sender of one kind.</summary>
    public T Sender<T>() where T : IChannelSender => _services.GetServices<IChannelSender>().OfType<T>().Single();

    public void Dispose() => _services.Dispose();
}
