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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            phases.Phase("Application successfully started");
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var ports = addresses.Select(a => Uri.TryCreate(a.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var u) ? u.Port : 0)
                .Where(p => p > 0).Distinct().ToArray();
            phases.Phase(ports.Length == 0 ? "Listening on port" : $"Listening on port {string.Join(", ", ports)}");
            if (options.EnvironmentProblems() is { Length: > 0 } problems) phases.ReportContractNotMet(string.Join("; ", problems));
        });
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
