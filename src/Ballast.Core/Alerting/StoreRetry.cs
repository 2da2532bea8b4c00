using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Ballast.Core.Alerting;

/// <summary>
/// How the alerting loops live through a store that throws (the database stopped, read-only or full): the same store
/// call is tried again with backoff until it answers, so a planned notification is stored late rather than lost, and
/// a delivered one is marked late rather than sent twice. The loop waits meanwhile; incidents keep arriving on its
/// queue and are planned when the store is back. Only cancellation (the server stopping) ends the wait.
/// </summary>
internal static partial class StoreRetry
{
    public static ResiliencePipeline Create(TimeProvider time, ILogger log, string component) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException and not OutOfMemoryException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = args =>
                {
                    Log.StoreFailed(log, args.Outcome.Exception!, component, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private static partial class Log
    {
        [LoggerMessage(2201, LogLevel.Error, "The notification store failed under the {Component} (attempt {Attempt}); the same step runs again in {DelaySeconds:0.0}s, nothing is lost or sent twice")]
        public static partial void StoreFailed(ILogger logger, Exception exception, string component, int attempt, double delaySeconds);
    }
}
