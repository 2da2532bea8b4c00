using Ballast.AspNetCore;
using StackExchange.Redis;

namespace SampleApi;

/// <summary>
/// What the API does once it listens: warms the note cache ("Cache warmed") and, from release 165, loads the AI token
/// budgets ("AI token budgets loaded") — waiting for them, as the story's service did, when they are not there.
/// Also plays the Redis-lost fault.
/// </summary>
public sealed partial class Warmup(StartupPhases startup, Notes.NotesStore store, Notes.NotesCache cache,
    AiBudgets budgets, IConnectionMultiplexer redis, Faults faults, TimeProvider time, ILogger<Warmup> log) : BackgroundService
{
    public const string CacheWarmed = "Cache warmed";
    public const string BudgetsLoaded = "AI token budgets loaded";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await startup.WhenReachedAsync("Listening on port", stoppingToken);

        if (faults.RedisLostAfter is { } lostAfter) _ = DropRedisAsync(lostAfter, stoppingToken);

        if (faults.SlowReady > TimeSpan.Zero)
        {
            Log.SlowReady(log, faults.SlowReady.TotalSeconds);
            await Task.Delay(faults.SlowReady, time, stoppingToken);
        }
        await cache.SetAsync(await store.ListAsync(stoppingToken));
        startup.Phase(CacheWarmed);

        if (!budgets.Enabled) return;
        if (budgets.TryLoad() is { } problem)
        {
            Log.WaitingForBudgets(log, problem);
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
        }
        startup.Phase(BudgetsLoaded);
    }

    private async Task DropRedisAsync(TimeSpan after, CancellationToken stoppingToken)
    {
        await Task.Delay(after, time, stoppingToken);
        Log.RedisDropped(log, after.TotalSeconds);
        await redis.CloseAsync(allowCommandsToComplete: false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Fault: ready held back for {Seconds}s (FAULT_SLOW_READY)")]
        public static partial void SlowReady(ILogger logger, double seconds);

        [LoggerMessage(2, LogLevel.Warning, "Waiting for AI token budgets: {Problem}")]
        public static partial void WaitingForBudgets(ILogger logger, string problem);

        [LoggerMessage(3, LogLevel.Warning, "Fault: Redis connection dropped after {Seconds}s (FAULT_REDIS_LOST_AFTER)")]
        public static partial void RedisDropped(ILogger logger, double seconds);
    }
}
