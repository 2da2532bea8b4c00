using Ballast.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;

namespace Ballast.Core.Alerting;

/// <summary>
/// How the alerting loops live through a store that throws. While the database is unavailable (stopped, read-only,
/// full) the same store call is tried again with <see cref="StorageBackoff"/> until it answers, so a planned
/// notification is stored late rather than lost, and a delivered one is marked late rather than sent twice. The loop
/// waits meanwhile; incidents keep arriving on its queue and are planned when the store is back. The loop shows as
/// degraded in /health/ready while it waits. A call the store refuses (<see cref="IStoreFailureClassifier"/>) would
/// fail the same way forever: a write is set aside (logged with what it was, counted) and the loop goes on; a read
/// is thrown to the loop, whose supervisor restarts it with backoff and reports it.
/// </summary>
internal sealed partial class StoreRetry
{
    private readonly ResiliencePipeline _pipeline;
    private readonly StoreRefusals _refusals;
    private readonly ILogger _log;
    private readonly string _component;

    public StoreRetry(TimeProvider time, ILogger log, string component, StoreRefusals refusals)
    {
        (_refusals, _log, _component) = (refusals, log, component);
        _pipeline = StorageBackoff.Create(time, TimeSpan.FromMilliseconds(500), e => !refusals.IsRefusal(e),
            (e, attempt, delay) =>
            {
                Log.StoreFailed(log, e, component, attempt, delay.TotalSeconds);
                Supervision.LoopSupervisor.ReportWaiting(e, delay);
            });
    }

    /// <summary>A read, tried until the store answers; a refusal is thrown.</summary>
    public ValueTask<T> ReadAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(async ct => await call(ct), cancellationToken);

    /// <summary>
    /// A write, tried until the store takes it; null when it did, else the store's reason for refusing it, after
    /// logging <paramref name="what"/> and counting it (neither when <paramref name="what"/> is null: the caller has
    /// another way to store it).
    /// </summary>
    public async Task<string?> WriteAsync(Func<CancellationToken, Task> call, Func<string>? what, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.ExecuteAsync(async ct => await call(ct), cancellationToken);
            return null;
        }
        catch (Exception e) when (_refusals.IsRefusal(e))
        {
            var reason = _refusals.Describe(e);
            if (what is null) return reason;
            var thing = what();
            _refusals.Record(thing, reason);
            Log.SetAside(_log, e, _component, thing, reason);
            return reason;
        }
    }

    /// <summary>A notification as a log line names it: kind, id, channel and the monitors and incidents it is about.</summary>
    public static string Describe(Notification n) =>
        $"{n.Message.Kind} notification {n.Id} to {n.Channel} for {string.Join(", ", n.Message.Items.Select(i => $"{i.Monitor} (incident {i.IncidentId})"))}";

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Storage.NotificationStoreFailed, LogLevel.Error, "The notification store failed under the {Component} (attempt {Attempt}); the same step runs again in {DelaySeconds:0.0}s, nothing is lost or sent twice")]
        public static partial void StoreFailed(ILogger logger, Exception exception, string component, int attempt, double delaySeconds);

        [LoggerMessage(LogEvents.Storage.NotificationSetAside, LogLevel.Error, "The notification store refused {What} under the {Component} ({Reason}); it is set aside and the others go on")]
        public static partial void SetAside(ILogger logger, Exception exception, string component, string what, string reason);
    }
}
