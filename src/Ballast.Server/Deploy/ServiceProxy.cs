using System.Collections.Concurrent;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Ballast.Server.Deploy;

/// <summary>
/// A process service's public address: a YARP reverse proxy of its own (a separate Kestrel listener) that sends every
/// request to the live replicas, with YARP's active health checks on the service's ready path. It counts the requests
/// in flight on each replica itself: YARP forgets a destination's counter as soon as it leaves the route, which is
/// exactly when a drain needs it.
/// </summary>
internal sealed class ServiceProxy : IAsyncDisposable
{
    private const string Cluster = "replicas";

    /// <summary>
    /// A request takes the route's destinations when it enters the proxy and counts itself on the one it chose a few
    /// instructions later; after a switch is applied, this long covers a request caught between the two.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private readonly WebApplication _app;
    private readonly InMemoryConfigProvider _config;
    private readonly IProxyStateLookup _state;
    private readonly string _healthPath;
    private readonly ConcurrentDictionary<string, InFlightCounter> _inFlight;

    private ServiceProxy(WebApplication app, string healthPath, ConcurrentDictionary<string, InFlightCounter> inFlight)
    {
        _app = app;
        _healthPath = healthPath;
        _inFlight = inFlight;
        _config = app.Services.GetRequiredService<InMemoryConfigProvider>();
        _state = app.Services.GetRequiredService<IProxyStateLookup>();
    }

    public static async Task<ServiceProxy> StartAsync(Uri listen, string healthPath, ILoggerFactory loggers)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(listen.GetLeftPart(UriPartial.Authority));
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddReverseProxy().LoadFromMemory([Route()], [Replicas([], healthPath)]);
        var app = builder.Build();
        var inFlight = new ConcurrentDictionary<string, InFlightCounter>(StringComparer.Ordinal);
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
            pipeline.Use(async (context, next) =>
            {
                // Load balancing has narrowed the destinations to the one this request goes to.
                var chosen = context.GetReverseProxyFeature().AvailableDestinations;
                if (chosen.Count != 1)
                {
                    await next();
                    return;
                }
                var counter = inFlight.GetOrAdd(chosen[0].DestinationId, _ => new InFlightCounter());
                Interlocked.Increment(ref counter.Count);
                try
                {
                    await next();
                }
                finally
                {
                    Interlocked.Decrement(ref counter.Count);
                }
            });
        });
        await app.StartAsync();
        return new ServiceProxy(app, healthPath, inFlight);
    }

    private static RouteConfig Route() => new() { RouteId = "all", ClusterId = Cluster, Match = new RouteMatch { Path = "{**path}" } };

    private static ClusterConfig Replicas(IReadOnlyList<Replica> replicas, string healthPath) => new()
    {
        ClusterId = Cluster,
        LoadBalancingPolicy = "PowerOfTwoChoices",
        Destinations = replicas.ToDictionary(r => r.Id, r => new DestinationConfig { Address = r.Destination }),
        HealthCheck = new HealthCheckConfig
        {
            AvailableDestinationsPolicy = "HealthyOrPanic",
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(2), Policy = "ConsecutiveFailures", Path = healthPath,
            },
        },
    };

    /// <summary>From now on, new requests go to <paramref name="replicas"/> only; requests in flight finish where they are.</summary>
    public void Route(IReadOnlyList<Replica> replicas) => _config.Update([Route()], [Replicas(replicas, _healthPath)]);

    /// <summary>
    /// Routes new requests to <paramref name="replicas"/> and returns once the proxy applies it, so that a request
    /// counted on a replica left out afterwards is one that really went there.
    /// </summary>
    public async Task SwitchAsync(IReadOnlyList<Replica> replicas, TimeProvider time, CancellationToken cancellationToken)
    {
        Route(replicas);
        var wanted = replicas.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var started = time.GetTimestamp();
        // YARP applies an in-memory change on its own; it takes milliseconds, the bound only guards against a stall.
        while (!Applied(wanted) && time.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
        await Task.Delay(Settle, time, cancellationToken);
    }

    private bool Applied(HashSet<string> wanted) =>
        _state.TryGetCluster(Cluster, out var cluster) && cluster.Destinations.Count == wanted.Count && cluster.Destinations.Keys.All(wanted.Contains);

    /// <summary>Requests being forwarded to <paramref name="replica"/> right now, whether it is still routed or not.</summary>
    public int InFlight(Replica replica) => _inFlight.TryGetValue(replica.Id, out var counter) ? Volatile.Read(ref counter.Count) : 0;

    /// <summary>
    /// Waits until none of <paramref name="old"/> has a request in flight, or <paramref name="timeout"/>; returns the
    /// requests still in flight then.
    /// </summary>
    public async Task<int> DrainAsync(IReadOnlyList<Replica> old, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var left = old.Sum(InFlight);
            if (left == 0 || time.GetElapsedTime(started) >= timeout) return left;
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken);
        }
    }

    /// <summary>Drops the counter of a replica that was stopped.</summary>
    public void Forget(Replica replica) => _inFlight.TryRemove(replica.Id, out _);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class InFlightCounter
    {
        public int Count;
    }
}
