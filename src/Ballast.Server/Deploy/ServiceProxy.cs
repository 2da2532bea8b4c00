using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Ballast.Server.Deploy;

/// <summary>
/// A process service's public address: a YARP reverse proxy of its own (a separate Kestrel listener) that sends every
/// request to the live replicas, with YARP's active health checks on the service's ready path.
/// </summary>
internal sealed class ServiceProxy : IAsyncDisposable
{
    private const string Cluster = "replicas";
    private readonly WebApplication _app;
    private readonly InMemoryConfigProvider _config;
    private readonly IProxyStateLookup _state;
    private readonly string _healthPath;

    private ServiceProxy(WebApplication app, string healthPath)
    {
        _app = app;
        _healthPath = healthPath;
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
        app.MapReverseProxy();
        await app.StartAsync();
        return new ServiceProxy(app, healthPath);
    }

    private static RouteConfig Route() => new() { RouteId = "all", ClusterId = Cluster, Match = new RouteMatch { Path = "{**path}" } };

    private static ClusterConfig Replicas(IReadOnlyList<Replica> replicas, string healthPath) => new()
    {
        ClusterId = Cluster,
        LoadBalancingPolicy = "PowerOfTwoChoices",
        Destinations = replicas.ToDictionary(r => $"{r.Release}#{r.Index}", r => new DestinationConfig { Address = r.Destination }),
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

    /// <summary>Requests being forwarded to <paramref name="replica"/> right now.</summary>
    public int InFlight(Replica replica) =>
        _state.TryGetCluster(Cluster, out var cluster) && cluster.Destinations.TryGetValue($"{replica.Release}#{replica.Index}", out var destination)
            ? destination.ConcurrentRequestCount
            : 0;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
