using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;
using Ballast.Storage;
using Ballast.Storage.Monitoring;

namespace Ballast.Server.Monitoring;

/// <summary>
/// Brings monitoring up and down with the server: migrates the store, resumes every monitor from its saved state and
/// open incident, follows config reloads, and on shutdown writes everything still queued.
/// </summary>
public sealed partial class MonitoringService(
    ConfigState config,
    SchemaMigrator migrator,
    IMonitoringStore store,
    SqlDialect dialect,
    MonitoringWriter writer,
    MonitoringEngine engine,
    IPushTokenStore pushTokens,
    ILogger<MonitoringService> log) : BackgroundService, IConfigChangeListener
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromMinutes(2);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _following;

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
            await migrator.MigrateAsync(timeout.Token);
            // Before the engine starts: a heartbeat takes pushes only once storage has given it its token.
            config.Complete(await PushTokens.ResolveAsync(config.Current, pushTokens, timeout.Token));
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
        _following = true;
        _ready.TrySetResult();
        Log.Started(log, current.Monitors.Count, open.Count);
        await base.StartAsync(cancellationToken);
    }

    // Changes reach the engine only while it runs: before the start it is given the current config, after the stop nothing.
    public void OnConfigChanged(BallastConfig updated)
    {
        if (_following) engine.Apply(updated.Monitors);
    }

    // Monitoring runs on the engine's own loops; this service only brings them up and down (pruning is RetentionService's).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    /// <summary>How long the stop waits for storage to take the last results (part of the server's stop bound).</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(20);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _following = false;
        await engine.StopAsync();
        await writer.CompleteAsync(FlushTimeout);
        Log.Stopped(log, writer.Written);
        await base.StopAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Monitoring.Started, LogLevel.Information, "Monitoring {Count} endpoints ({Open} open incidents resumed)")]
        public static partial void Started(ILogger logger, int count, int open);

        [LoggerMessage(LogEvents.Monitoring.Stopped, LogLevel.Information, "Monitoring stopped; {Count} results written this run")]
        public static partial void Stopped(ILogger logger, long count);
    }
}
