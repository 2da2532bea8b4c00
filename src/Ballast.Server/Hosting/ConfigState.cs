using Ballast.Core.Config;

namespace Ballast.Server.Hosting;

/// <summary>
/// The config the server runs on now; replaced whole when a valid edit of ballast.yaml is picked up, after which every
/// <see cref="IConfigChangeListener"/> is told, in registration order.
/// </summary>
/// <param name="listeners">
/// Resolved on the first change, not when the state is built: listeners read the state for the config they start from.
/// </param>
public sealed class ConfigState(BallastConfig initial, Func<IEnumerable<IConfigChangeListener>>? listeners = null)
{
    private readonly Lazy<IConfigChangeListener[]> _listeners = new(() => listeners?.Invoke().ToArray() ?? []);
    private BallastConfig _current = initial;

    public BallastConfig Current => Volatile.Read(ref _current);

    /// <summary>The last edit of ballast.yaml the server read, applied or rejected; null until one is read.</summary>
    public ConfigReload? LastReload { get => Volatile.Read(ref _lastReload); set => Volatile.Write(ref _lastReload, value); }

    private ConfigReload? _lastReload;

    /// <summary>
    /// Swaps in the same config completed by storage (push tokens generated for heartbeats that name none) without
    /// telling the listeners: nothing they act on changed.
    /// </summary>
    public void Complete(BallastConfig config) => Volatile.Write(ref _current, config);

    public void Replace(BallastConfig config)
    {
        Volatile.Write(ref _current, config);
        foreach (var listener in _listeners.Value) listener.OnConfigChanged(config);
    }
}

/// <summary>An edit of ballast.yaml read at <paramref name="At"/>: applied, or rejected with <paramref name="Errors"/> problems.</summary>
public sealed record ConfigReload(DateTimeOffset At, bool Applied, int Errors);
