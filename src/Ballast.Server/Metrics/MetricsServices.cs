using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Storage.Monitoring;
using Prometheus;

namespace Ballast.Server.Metrics;

/// <summary>Registers Ballast's Prometheus metrics and maps <c>/metrics</c>.</summary>
public static class MetricsServices
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>After <c>AddBallastStorage</c>: checks reach the storage writer through <see cref="CheckMetrics"/>, which counts them.</summary>
    public static IServiceCollection AddBallastMetrics(this IServiceCollection services)
    {
        services.AddSingleton<BallastMetrics>();
        services.AddSingleton(sp => new CheckMetrics(sp.GetRequiredService<MonitoringWriter>(), sp.GetRequiredService<BallastMetrics>().Factory,
            sp.GetRequiredService<ConfigState>()));
        services.AddSingleton<IMonitoringSink>(sp => sp.GetRequiredService<CheckMetrics>());
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<CheckMetrics>());
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> in Prometheus' text format, for viewers: Prometheus scrapes it with an API token
    /// (<c>authorization: { credentials_file: ... }</c>), since the values name every monitor and its state.
    /// </summary>
    public static IEndpointRouteBuilder MapBallastMetrics(this IEndpointRouteBuilder app)
    {
        var registry = app.ServiceProvider.GetRequiredService<BallastMetrics>().Registry;
        // GET only, like every read of the API (the middleware alone would answer any method).
        app.MapMetrics(Path, registry).WithMetadata(new HttpMethodMetadata(["GET"])).RequireRole(Role.Viewer);
        return app;
    }
}
