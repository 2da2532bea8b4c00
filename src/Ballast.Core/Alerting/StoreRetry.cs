using Ballast.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;

namespace Ballast.Core.Alerting;

/// <summary>
/// How the alerting loops live through a store that throws (the database stopped, read-only or full): the same store
/// call is tried again with <see cref="StorageBackoff"/> until it answers, so a planned notification is stored late
/// rather than lost, and a delivered one is marked late rather than sent twice. The loop waits meanwhile; incidents
/// keep arriving on its queue and are planned when the store is back. The loop shows as degraded in /health/ready while it waits.
/// </summary>
internal static partial class StoreRetry
{
    public static ResiliencePipeline Create(TimeProvider time, ILogger log, string component) =>
        StorageBackoff.Create(time, TimeSpan.FromMilliseconds(500), _ => true,
            (e, attempt, delay) =>
            {
                Log.StoreFailed(log, e, component, attempt, delay.TotalSeconds);
                Supervision.LoopSupervisor.ReportWaiting(e, delay);
            });

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Storage.NotificationStoreFailed, LogLevel.Error, "The notification store failed under the {Component} (attempt {Attempt}); the same step runs again in {DelaySeconds:0.0}s, nothing is lost or sent twice")]
        public static partial void StoreFailed(ILogger logger, Exception exception, string component, int attempt, double delaySeconds);
    }
}
