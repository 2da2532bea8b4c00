using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace Ballast.AspNetCore;

/// <summary>
/// Logs the phases the host itself can see ("Application successfully started", "Listening on port N" with the real
/// bound port) and, when startup is not complete within the timeout, one Critical line naming where it stopped.
/// </summary>
internal sealed class StartupWatcher(StartupPhases phases, BallastHealthOptions options, IHostApplicationLifetime lifetime, IServer server,
    TimeProvider time) : BackgroundService
{
    private CancellationTokenRegistration _started;

    /// <remarks>
    /// The callback is registered here, before the host starts, not in ExecuteAsync: .NET runs ExecuteAsync on the
    /// thread pool, which could register it only after the host has started and log the phases late.
    /// </remarks>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(() =>
        {
            phases.Phase("Application successfully started");
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var ports = addresses.Select(a => Uri.TryCreate(a.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var u) ? u.Port : 0)
                .Where(p => p > 0).Distinct().ToArray();
            phases.Phase(ports.Length == 0 ? "Listening on port" : $"Listening on port {string.Join(", ", ports)}");
            if (options.EnvironmentProblems() is { Length: > 0 } problems) phases.ReportContractNotMet(string.Join("; ", problems));
        });
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _started.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(options.StartupTimeout, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (!phases.Completed) phases.ReportStall();
    }
}
