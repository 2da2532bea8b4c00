using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>
/// Performs one check of one monitor type. Probes are named strategies: the engine picks the one whose
/// <see cref="Type"/> equals the monitor's <c>type</c>. A probe never throws for what it observes; it reports it.
/// </summary>
public interface IProbe
{
    string Type { get; }

    /// <summary>One check. <paramref name="cancellationToken"/> fires at the monitor's timeout or on shutdown.</summary>
    Task<Observation> ProbeAsync(MonitorConfig monitor, CancellationToken cancellationToken);
}

/// <summary>Base for probes of one config type.</summary>
public abstract class Probe<TConfig> : IProbe where TConfig : MonitorConfig
{
    public abstract string Type { get; }

    public Task<Observation> ProbeAsync(MonitorConfig monitor, CancellationToken cancellationToken) =>
        ProbeAsync((TConfig)monitor, cancellationToken);

    protected abstract Task<Observation> ProbeAsync(TConfig monitor, CancellationToken cancellationToken);
}
