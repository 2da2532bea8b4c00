using System.Reflection;
using Ballast.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ballast.AspNetCore;

/// <summary><c>builder.Services.AddBallastHealth(o => …)</c> and <c>app.MapBallastHealth()</c>.</summary>
public static class BallastHealthExtensions
{
    /// <summary>Registers the health endpoints' services; returns the health-checks builder so ready checks can be added (tag them "ready").</summary>
    public static IHealthChecksBuilder AddBallastHealth(this IServiceCollection services, Action<BallastHealthOptions>? configure = null)
    {
        var options = new BallastHealthOptions();
        configure?.Invoke(options);
        if (DurationText.FromEnvironment(BallastHealthOptions.StartupTimeoutVariable) is { } timeout) options.StartupTimeout = timeout;
        options.Release ??= Environment.GetEnvironmentVariable("BALLAST_RELEASE")
                            ?? Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StartupPhases>();
        services.AddSingleton<Readiness>();
        services.AddHostedService<StartupWatcher>();
        return services.AddHealthChecks();
    }

    /// <summary>
    /// When the process was started with <c>--ballast-contract</c>, prints the contract and returns true: the caller
    /// returns from Main without touching any dependency.
    /// </summary>
    public static bool WriteBallastContractIfRequested(this WebApplication app, string[] args)
    {
        if (!args.Contains(BallastContract.Flag, StringComparer.Ordinal)) return false;
        Console.Out.Write(BallastContract.ToJson(app.Services.GetRequiredService<BallastHealthOptions>()));
        return true;
    }

    /// <summary>Maps /health/live, /health/startup, /health/ready and /version, and records "All routes mapped".</summary>
    public static IEndpointRouteBuilder MapBallastHealth(this WebApplication app)
    {
        const string Health = "application/health+json";
        var json = HealthDocumentJson.Default;
        app.MapGet("/health/live", () => Results.Json(new LiveDocument("pass"), json.LiveDocument, contentType: Health));
        app.MapGet("/health/startup", (StartupPhases startup) => Results.Json(
            new StartupDocument(startup.Completed ? "pass" : "fail", startup.StartedAt, [.. startup.Reached.Select(p => new StartupPhaseEntry(p.Name, p.At))],
                startup.Completed ? null : startup.LastPhase),
            json.StartupDocument, contentType: Health, statusCode: startup.Completed ? 200 : 503));
        app.MapGet("/health/ready", async (Readiness readiness, BallastHealthOptions options, CancellationToken ct) =>
        {
            var (ready, checks) = await readiness.EvaluateAsync(ct);
            return Results.Json(new ReadyDocument(ready ? "pass" : "fail", Readiness.Summary(checks), options.ServiceName, options.Release, checks),
                json.ReadyDocument, contentType: Health, statusCode: ready ? 200 : 503);
        });
        app.MapGet("/version", (BallastHealthOptions options, StartupPhases startup, Readiness readiness) => Results.Json(
            new VersionDocument(options.ServiceName, Assembly.GetEntryAssembly()?.GetName().Version?.ToString(), options.Release,
                options.Commit ?? Environment.GetEnvironmentVariable("BALLAST_COMMIT"), startup.StartedAt, readiness.EnvFingerprint()),
            json.VersionDocument));
        app.Services.GetRequiredService<StartupPhases>().Phase("All routes mapped");
        return app;
    }
}
