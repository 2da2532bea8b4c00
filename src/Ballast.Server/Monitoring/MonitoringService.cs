using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;
using Ballast.Storage;
using Ballast.Storage.Monitoring;

namespace Ballast.Server.Monitoring;

/// <summary>
/// Brings monitoring up and down with the server: migrates the store, resumes every monitor from its saved state and
/// open incident, follows config reloads, prunes old results, and on shutdown writes everything still queued.
/// </summary>
public sealed partial class MonitoringService(
    ConfigState config,
    IMonitoringStore store,
    SqlDialect dialect,
    MonitoringWriter writer,
    MonitoringEngine engine,
    LoopSupervisor supervisor,
    TimeProvider time,
    ILogger<MonitoringService> log) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromMinutes(2);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the store is migrated and every monitor is scheduled.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <exception cref="StorageUnavailableException">The store cannot be opened, migrated or read.</exception>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(OpenTimeout);
        IReadOnlyDictionary<string, MonitorStatus> statuses;
        Dictionary<string, Incident> open;
        try
        {
            await store.MigrateAsync(timeout.Token);
            statuses = await store.LoadStatusesAsync(timeout.Token);
            open = (await store.ListIncidentsAsync(open: true, limit: 100_000, cancellationToken: timeout.Token))
                .GroupBy(i => i.Monitor).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var reason = e is OperationCanceledException ? $"no answer within {OpenTimeout.TotalMinutes:0} minutes" : e.Message;
            throw new StorageUnavailableException($"cannot open storage {dialect.Describe()}: {reason}", e);
        }
        var current = config.Current;
        engine.Start(current.Monitors, current.Server.MaxConcurrentChecks, statuses, open);
        config.Changed += OnConfigChanged;
        _ready.TrySetResult();
        Log.Started(log, current.Monitors.Count, open.Count);
        await base.StartAsync(cancellationToken);
    }

    private void OnConfigChanged(Core.Config.BallastConfig updated) => engine.Apply(updated.Monitors);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("retention", PruneAsync, stoppingToken);

    private async Task PruneAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PruneEvery, time);
        do
        {
            try
            {
                var before = time.GetUtcNow() - config.Current.Server.Retention.Raw;
                var deleted = await store.PruneAsync(before, stoppingToken);
                if (deleted > 0) Log.Pruned(log, deleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.PruneFailed(log, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        config.Changed -= OnConfigChanged;
        await engine.StopAsync();
        await writer.CompleteAsync(TimeSpan.FromSeconds(20));
        Log.Stopped(log, writer.Written);
        await base.StopAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Information, "Monitoring {Count} endpoints ({Open} open incidents resumed)")]
        public static partial void Started(ILogger logger, int count, int open);

        [LoggerMessage(4002, LogLevel.Information, "Pruned {Count} raw results past retention")]
        public static partial void Pruned(ILogger logger, long count);

        [LoggerMessage(4003, LogLevel.Error, "Pruning old results failed; will try again in an hour")]
        public static partial void PruneFailed(ILogger logger, Exception exception);

        [LoggerMessage(4004, LogLevel.Information, "Monitoring stopped; {Count} results written this run")]
        public static partial void Stopped(ILogger logger, long count);
    }
}
