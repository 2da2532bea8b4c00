using Polly;
using Polly.Retry;

namespace Ballast.Core;

/// <summary>
/// The one backoff for store calls that must not give up while the database is away (stopped, read-only, full):
/// exponential with jitter from <c>firstDelay</c> up to every 30 s, for as long as it takes. Only the caller's cancellation
/// (the server stopping) and failures the caller says are not worth retrying end it.
/// </summary>
public static class StorageBackoff
{
    public static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(30);

    /// <param name="retryable">Whether a failure is worth another attempt; others are thrown to the caller.</param>
    /// <param name="onRetry">Told of each failure: the exception, the attempt that failed and the wait before the next.</param>
    public static ResiliencePipeline Create(TimeProvider time, TimeSpan firstDelay, Func<Exception, bool> retryable, Action<Exception, int, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // Cancellation of the caller's token ends the retries inside Polly; an OperationCanceledException without it
                // (a driver's own timeout) is a failure like any other.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OutOfMemoryException && retryable(e)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = LongestDelay,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception!, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
