using Ballast.Core.Alerting;
using Ballast.Core.Deploy;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Core.StatusPages;
using Ballast.Core.Supervision;

namespace Ballast.Server.Hosting;

/// <summary>
/// Keeps the database the size <c>server.retention</c> says, once an hour: raw results, resolved incidents (and
/// status pages' resolved public messages), finished notifications, ended silences and audit entries past their age, and deploy records beyond the count each service needs. Each kind
/// is pruned on its own, so one failing (the database away, say) neither stops the others nor the loop; what was not
/// pruned is pruned the next hour.
/// </summary>
public sealed partial class RetentionService(
    ConfigState config,
    IMonitoringStore monitoring,
    INotificationStore notifications,
    IDeployStore deploys,
    IAuditStore audit,
    LoopSupervisor supervisor,
    TimeProvider time,
    ILogger<RetentionService> log,
    IStatusMessageStore? statusMessages = null) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(1);

    /// <summary>For a service gone from the config: keep_releases' default, so its history can still be rolled back to.</summary>
    private const int UnconfiguredKeepReleases = 5;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("retention", LoopAsync, stoppingToken);

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        do await PruneAsync(stoppingToken);
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over every kind of record.</summary>
    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        var current = config.Current;
        var retention = current.Server.Retention;
        var now = time.GetUtcNow();
        await StepAsync("raw results", () => monitoring.PruneAsync(now - retention.Raw, cancellationToken), cancellationToken);
        await StepAsync("resolved incidents", () => monitoring.PruneIncidentsAsync(now - retention.Incidents, cancellationToken), cancellationToken);
        // A status page's resolved messages go with the incidents they were about.
        if (statusMessages is not null)
            await StepAsync("resolved status page messages", () => statusMessages.PruneAsync(now - retention.Incidents, cancellationToken), cancellationToken);
        await StepAsync("notifications and silences", () => notifications.PruneAsync(now - retention.Notifications, cancellationToken), cancellationToken);
        await StepAsync("deploy records", async () =>
        {
            long deleted = 0;
            foreach (var service in await deploys.ServicesAsync(cancellationToken))
            {
                var keepReleases = current.Services.TryGetValue(service, out var s) ? s.KeepReleases : UnconfiguredKeepReleases;
                deleted += await deploys.PruneAsync(service, Math.Max(retention.Deploys, keepReleases), keepReleases, cancellationToken);
            }
            return deleted;
        }, cancellationToken);
        await StepAsync("audit entries", () => audit.PruneAsync(now - retention.Audit, cancellationToken), cancellationToken);
    }

    private async Task StepAsync(string what, Func<Task<long>> prune, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await prune();
            if (deleted > 0) Log.Pruned(log, deleted, what);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            Log.PruneFailed(log, e, what, Every.TotalMinutes);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Storage.Pruned, LogLevel.Information, "Pruned {Count} {What} past retention")]
        public static partial void Pruned(ILogger logger, long count, string what);

        [LoggerMessage(LogEvents.Storage.PruneFailed, LogLevel.Error, "Pruning {What} failed; will try again in {Minutes} minutes")]
        public static partial void PruneFailed(ILogger logger, Exception exception, string what, double minutes);
    }
}
