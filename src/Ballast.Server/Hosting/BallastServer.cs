using System.Text.Json.Serialization;
using Ballast.Core;
using Ballast.Core.Config;
using Ballast.Core.Supervision;
using Ballast.Server.Alerting;
using Ballast.Server.Dashboard;
using Ballast.Server.Dashboard.Live;
using Ballast.Server.Deploy;
using Ballast.Server.Logs;
using Ballast.Server.Logs.Loki;
using Ballast.Server.Metrics;
using Ballast.Server.Monitoring;
using Ballast.Server.Reporting;
using Ballast.Server.Security;
using Ballast.Server.StatusPages;
using Ballast.Core.Security;
using Ballast.Storage;
using Ballast.Storage.Monitoring;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Ballast.Server.Hosting;

/// <summary>Builds the <c>ballast serve</c> web application from a validated config.</summary>
public static class BallastServer
{
    /// <summary>
    /// Builds the server. <paramref name="time"/> replaces the clock (tests pass a fake one);
    /// <paramref name="configureLogging"/> lets the caller choose where logs go.
    /// </summary>
    /// <param name="configureServices">Runs after Ballast's own registrations, so it can replace one (tests put a failing store in).</param>
    public static WebApplication Build(BallastConfig config, TimeProvider? time = null, Action<ILoggingBuilder>? configureLogging = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.ConfigureTransport(config.Server, config.SourcePath);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning);
        if (configureLogging is null) builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        else configureLogging(builder.Logging);
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = RequestsStopTimeout);

        var services = builder.Services;
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            o.SerializerOptions.WriteIndented = false;
        });
        services.AddBallastMonitoring(time).AddBallastAlerting().AddBallastDeploy().AddBallastStorage(config).AddBallastServer(config).AddBallastSecurity(config).AddBallastDashboard()
            .AddBallastMetrics().AddBallastLogStreams();
        services.AddBallastLogs();
        configureServices?.Invoke(services);

        var app = builder.Build();
        app.UseBallastSecurity();
        app.MapHealthEndpoints();
        app.MapSessionEndpoints();
        app.MapMonitoringEndpoints();
        app.MapHeartbeatEndpoints();
        app.MapAlertingEndpoints();
        app.MapDeployEndpoints();
        app.MapAuditEndpoints();
        app.MapStatusPages();
        app.MapReportEndpoints();
        app.MapDashboard();
        app.MapBallastMetrics();
        app.MapLiveUpdates();
        app.MapLogEndpoints();
        app.MapLogTail();
        app.MapLokiEndpoints();
        app.CheckAccessAtStart();
        return app;
    }

    /// <summary>
    /// How long the host lets requests in flight finish when it stops (and background services end), before it cuts
    /// them; the stop then goes on with the process services and storage (see <see cref="StopBound"/>).
    /// </summary>
    public static readonly TimeSpan RequestsStopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a requested stop of a server running <paramref name="config"/> takes when nothing hangs: requests in
    /// flight, then every process service's replicas (<see cref="ProcessRuntime.StopBound"/>), then the last results
    /// to storage, plus a margin for a loaded machine. Whoever stops the server stops waiting there and kills the replicas.
    /// </summary>
    public static TimeSpan StopBound(BallastConfig config) =>
        RequestsStopTimeout + ProcessRuntime.StopBound(config) + MonitoringService.FlushTimeout + TimeSpan.FromSeconds(15);

    /// <summary>The stop bound for the config the server runs now (reloads included).</summary>
    public static TimeSpan StopBound(this WebApplication app) => StopBound(app.Services.GetRequiredService<ConfigState>().Current);

    /// <summary>SIGKILL to every replica the server started that still runs; for a stop that cannot wait for them.</summary>
    public static int KillReplicas(this WebApplication app) => app.Services.GetRequiredService<ProcessRuntime>().KillReplicas();

    /// <summary>The addresses Kestrel actually bound (the real port when the config says :0).</summary>
    public static IReadOnlyList<string> Addresses(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>
    /// Why the server stopped on its own, if it did: the first hosted service that ended with an exception. Null after
    /// a requested stop (Ctrl+C, SIGTERM).
    /// </summary>
    public static Exception? Failure(this WebApplication app) =>
        app.Services.GetServices<IHostedService>().OfType<BackgroundService>()
            .Select(s => s.ExecuteTask?.Exception?.GetBaseException())
            .FirstOrDefault(e => e is not null);

    private const string HealthContentType = "application/health+json";

    private static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // Ballast's own health, in the same shape it asks of the services it watches. Public, so it takes no body;
        // routing answers any method but GET with 405.
        var health = app.MapGroup("/health").Public().AddEndpointFilter((context, next) =>
            PublicBody.RefuseAny(context.HttpContext.Request) is { } refused ? ValueTask.FromResult<object?>(refused) : next(context));
        health.MapGet("/live", () => Results.Json(new HealthView("pass"), HealthJson.Default.HealthView, contentType: HealthContentType));
        health.MapGet("/ready", (HttpContext context) =>
        {
            var health = BallastHealth.Gather(context.RequestServices);
            return Results.Json(health.ToView(detailed: context.User.Identity?.IsAuthenticated == true), HealthJson.Default.HealthView,
                contentType: HealthContentType, statusCode: health.Status == "fail" ? 503 : 200);
        });
    }
}
