using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>
/// The monitoring part of Ballast's composition root (<c>AddBallastMonitoring</c>, as the server registers it: every
/// probe, the loop supervisor, the incident listeners) over the test's clock, sink and engine options, so the engine
/// under test is wired as in production. Disposing it stops the engine and disposes the probes.
/// </summary>
internal sealed class MonitoringServices : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="logs">Where the engine's and the supervisor's logs go (nowhere when null).</param>
    public MonitoringServices(TimeProvider time, IMonitoringSink sink, MonitoringEngineOptions options, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection().AddLogging(l =>
        {
            l.ClearProviders();
            if (logs is not null) l.AddProvider(logs);
        });
        services.AddSingleton(sink);
        services.AddSingleton(options);
        services.AddBallastMonitoring(time);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public MonitoringEngine Engine => _services.GetRequiredService<MonitoringEngine>();

    public LoopSupervisor Supervisor => _services.GetRequiredService<LoopSupervisor>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
