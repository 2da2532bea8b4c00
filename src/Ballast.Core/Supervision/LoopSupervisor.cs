using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using Ballast.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Ballast.Core.Supervision;

/// <summary>
/// Keeps background loops alive: a loop that throws is logged with its exception, counted, reported as degraded, and
/// started again after a backoff (1 s doubling up to 1 min; a loop that ran a minute before failing starts again
/// after 1 s). One supervisor serves the whole server, so every loop fails and recovers the same way and one place
/// can say which loops are in trouble. Cancellation of the token given to <see cref="RunAsync"/> is the only way a loop
/// stops for good, besides returning.
/// </summary>
public sealed partial class LoopSupervisor : IDisposable
{
    /// <summary>The wait before the first restart; it doubles with each failure in a row.</summary>
    public static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between restarts.</summary>
    public static readonly TimeSpan LongestRestartDelay = TimeSpan.FromMinutes(1);

    /// <summary>How long a restarted loop must run without failing to count as healthy again.</summary>
    public static readonly TimeSpan HealthyAfter = TimeSpan.FromMinutes(1);

    private static readonly ResiliencePropertyKey<string> LoopName = new("ballast.loop");
    private static readonly ResiliencePropertyKey<long> RunStartedAt = new("ballast.loop.started");
    private static readonly ResiliencePropertyKey<int> Streak = new("ballast.loop.streak");
    private static readonly ResiliencePropertyKey<Func<Exception, Task>?> OnFault = new("ballast.loop.onfault");
    private static readonly ResiliencePropertyKey<ExceptionDispatchInfo?> FirstFailure = new("ballast.loop.first");

    /// <summary>The supervised loop this code runs in, if any (flows with the loop's awaits).</summary>
    private static readonly AsyncLocal<(LoopSupervisor Supervisor, string Name)?> Current = new();

    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrentDictionary<string, LoopFault> _faults = new(StringComparer.Ordinal);
    private readonly Meter _meter = new("Ballast.Supervision");
    private readonly Counter<long> _faultCounter;
    private long _totalFaults;

    public LoopSupervisor(TimeProvider time, ILogger<LoopSupervisor> log)
    {
        _time = time;
        _log = log;
        _faultCounter = _meter.CreateCounter<long>("ballast.loop.faults", description: "Background loops that threw and were restarted");
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                // Once stopping, nothing is restarted: a failure then leaves the pipeline and is logged as such.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(NextDelay(args.Context)),
                OnRetry = args => RecordFaultAsync(args.Context, args.Outcome.Exception!, args.RetryDelay),
            })
            .Build();
    }

    /// <summary>Faults seen since start, over every loop.</summary>
    public long TotalFaults => Interlocked.Read(ref _totalFaults);

    /// <summary>
    /// Runs <paramref name="loop"/> until it returns or <paramref name="cancellationToken"/> is cancelled; any exception
    /// restarts it after the backoff. <paramref name="onFault"/> runs after each failure (before the wait); its own
    /// failure is logged, never rethrown.
    /// </summary>
    public Task RunAsync(string name, Func<CancellationToken, Task> loop, CancellationToken cancellationToken,
        Func<Exception, Task>? onFault = null) =>
        RunAsync(name, static (s, ct) => s.Loop(ct), (Loop: loop, OnFault: onFault), cancellationToken,
            onFault is null ? null : static (s, e) => s.OnFault!(e));

    /// <summary>
    /// <see cref="RunAsync(string, Func{CancellationToken, Task}, CancellationToken, Func{Exception, Task}?)"/> with the
    /// loop's state passed in, so that thousands of loops (one per monitor) run on static delegates and keep no closure.
    /// </summary>
    public async Task RunAsync<TState>(string name, Func<TState, CancellationToken, Task> loop, TState state,
        CancellationToken cancellationToken, Func<TState, Exception, Task>? onFault = null)
    {
        // The pipeline never starts a run once stopping; the first run, outside it, must not either.
        if (cancellationToken.IsCancellationRequested) return;
        // The first run is outside the pipeline: a loop that never fails (almost all of them) holds no resilience context
        // and none of the pipeline's state machines for its whole life, which at 10,000 monitor loops was 25 MB.
        var started = _time.GetTimestamp();
        ExceptionDispatchInfo? first = null;
        try
        {
            Current.Value = (this, name);
            await loop(state, cancellationToken);
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // stopping: the only way out besides returning
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested)
        {
            // The pipeline would not run again to report it (it starts nothing once stopping), so it is said here.
            Log.FailedWhileStopping(_log, e, name);
            return;
        }
        catch (Exception e)
        {
            first = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            // A wait reported from a run that then ended leaves no stale entry behind.
            if (first is null) _faults.TryRemove(name, out _);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(LoopName, name);
        context.Properties.Set(Streak, 0);
        context.Properties.Set(RunStartedAt, started);
        context.Properties.Set(FirstFailure, first);
        context.Properties.Set(OnFault, Bind(onFault, state));
        try
        {
            await _pipeline.ExecuteAsync(static async (ctx, s) =>
            {
                // The failure of the run above goes through the pipeline like any other: same log, record and backoff.
                if (ctx.Properties.GetValue(FirstFailure, null) is { } failure)
                {
                    ctx.Properties.Set(FirstFailure, null);
                    failure.Throw();
                }
                ctx.Properties.Set(RunStartedAt, s.Supervisor._time.GetTimestamp());
                Current.Value = (s.Supervisor, s.Name);
                await s.Loop(s.State, ctx.CancellationToken);
            }, context, (Loop: loop, State: state, Supervisor: this, Name: name));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the only way out besides returning. A stop that came between the first run's failure and the
            // pipeline's start kept the pipeline from rethrowing (and logging) that failure.
            if (context.Properties.GetValue(FirstFailure, null) is { } unreported) Log.FailedWhileStopping(_log, unreported.SourceException, name);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested)
        {
            Log.FailedWhileStopping(_log, e, name);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            _faults.TryRemove(name, out _);
        }
    }

    // A lambda over the parameters inside RunAsync would allocate its closure on entry, for every loop, failing or not.
    private static Func<Exception, Task>? Bind<TState>(Func<TState, Exception, Task>? onFault, TState state) =>
        onFault is null ? null : e => onFault(state, e);

    /// <summary>
    /// Called from inside a supervised loop that waits out a failure itself instead of throwing (a store call retried
    /// until the database answers, so nothing is lost or done twice): the loop shows as degraded, with the error, exactly
    /// like one that threw, until it has run <see cref="HealthyAfter"/> past <paramref name="retryIn"/> without another.
    /// The caller logs the failure. Outside a supervised loop it does nothing.
    /// </summary>
    public static void ReportWaiting(Exception exception, TimeSpan retryIn)
    {
        if (Current.Value is var (supervisor, name)) supervisor.Record(name, exception, retryIn);
    }

    /// <summary>The loops that failed and have not yet run <see cref="HealthyAfter"/> since their restart, by name.</summary>
    public IReadOnlyList<LoopFault> Degraded()
    {
        var now = _time.GetUtcNow();
        return _faults.Values.Where(f => now < f.RestartAt + HealthyAfter).OrderBy(f => f.Loop, StringComparer.Ordinal).ToArray();
    }

    private TimeSpan NextDelay(ResilienceContext context)
    {
        var started = context.Properties.GetValue(RunStartedAt, _time.GetTimestamp());
        // A loop that ran a good while before failing is not in a crash loop: start again quickly.
        var streak = _time.GetElapsedTime(started) >= HealthyAfter ? 1 : context.Properties.GetValue(Streak, 0) + 1;
        context.Properties.Set(Streak, streak);
        var ticks = FirstRestartDelay.Ticks << Math.Min(streak - 1, 16);
        return TimeSpan.FromTicks(Math.Min(ticks, LongestRestartDelay.Ticks));
    }

    private async ValueTask RecordFaultAsync(ResilienceContext context, Exception exception, TimeSpan delay)
    {
        var name = context.Properties.GetValue(LoopName, "?");
        var faults = Record(name, exception, delay);
        Log.LoopFailed(_log, exception, name, faults.Faults, delay.TotalSeconds);
        if (context.Properties.GetValue(OnFault, null) is not { } onFault) return;
        try
        {
            await onFault(exception);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.FaultReportFailed(_log, e, name);
        }
    }

    private LoopFault Record(string name, Exception exception, TimeSpan delay)
    {
        var now = _time.GetUtcNow();
        var faults = _faults.AddOrUpdate(name,
            _ => new LoopFault(name, 1, exception.Message, now, now + delay),
            (_, f) => f with { Faults = f.Faults + 1, LastError = exception.Message, LastFaultAt = now, RestartAt = now + delay });
        Interlocked.Increment(ref _totalFaults);
        _faultCounter.Add(1, new KeyValuePair<string, object?>("loop", name));
        return faults;
    }

    public void Dispose() => _meter.Dispose();

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Supervision.LoopFailed, LogLevel.Error, "Background loop {Loop} failed (fault {Faults}); restarting it in {DelaySeconds:0.#}s")]
        public static partial void LoopFailed(ILogger logger, Exception exception, string loop, long faults, double delaySeconds);

        [LoggerMessage(LogEvents.Supervision.FaultReportFailed, LogLevel.Error, "Recording the failure of background loop {Loop} failed too")]
        public static partial void FaultReportFailed(ILogger logger, Exception exception, string loop);

        [LoggerMessage(LogEvents.Supervision.LoopFailedWhileStopping, LogLevel.Error, "Background loop {Loop} failed while stopping; it is not restarted")]
        public static partial void FailedWhileStopping(ILogger logger, Exception exception, string loop);
    }
}

/// <summary>A loop's latest failure: how many so far, the last error, when it failed and when it runs again.</summary>
public sealed record LoopFault(string Loop, long Faults, string LastError, DateTimeOffset LastFaultAt, DateTimeOffset RestartAt);
