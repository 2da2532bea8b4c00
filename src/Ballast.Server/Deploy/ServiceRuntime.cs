namespace Ballast.Server.Deploy;

/// <summary>A replica the runtime watches, with how many times its slot was restarted.</summary>
internal sealed class Supervised(Replica replica)
{
    public Replica Replica { get; } = replica;
    public int Restarts { get; init; }
}

/// <summary>One process service inside the runtime: its proxy, its live replicas and release.</summary>
internal sealed class ServiceRuntime(string name, ServiceProxy proxy, ReleaseFolders releases) : IAsyncDisposable
{
    public string Name { get; } = name;
    public ServiceProxy Proxy { get; } = proxy;
    public ReleaseFolders Releases { get; } = releases;

    /// <summary>Held by a rollout and by a restart while it changes the replicas or the route.</summary>
    public SemaphoreSlim Rollouts { get; } = new(1, 1);

    public IReadOnlyList<Supervised> Replicas { get; set; } = [];
    public string? Release { get; set; }
    public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// Stops the replicas and the proxy. Under the rollout lock, so a replacement a restart or rollout is swapping in
    /// is either already among <see cref="Replicas"/> or sees them gone and stops itself. The wait is bounded by what
    /// the holder does: a rollout stops when the server stops, except for the drain (drain_timeout, stop_timeout).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await Rollouts.WaitAsync();
        try
        {
            var replicas = Replicas;
            Replicas = [];
            await Task.WhenAll(replicas.Select(s => s.Replica.DisposeAsync().AsTask()));
        }
        finally
        {
            Rollouts.Release();
            await Proxy.DisposeAsync();
        }
    }
}
