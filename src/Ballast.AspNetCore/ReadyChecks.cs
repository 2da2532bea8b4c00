using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ballast.AspNetCore;

/// <summary>
/// Runs the health checks tagged "ready", each bounded by <see cref="BallastHealthOptions.CheckTimeout"/>. One run
/// at a time serves every caller: a probe arriving while a run is in flight waits for that run, never for a run of
/// its own, so no probe waits longer than one timeout. A check past its timeout is a failed entry saying so; a check
/// that ignores cancellation is not started again while its previous call still hangs.
/// </summary>
internal sealed class ReadyChecks(BallastHealthOptions options, HealthCheckService checks, IOptions<HealthCheckServiceOptions> registrations,
    TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Task<HealthReport>> _running = new(StringComparer.Ordinal);
    private (HealthReport Report, DateTimeOffset At)? _cached;
    private Task<HealthReport>? _inFlight;
    private long _runs;

    /// <summary>Runs of the checks so far (what sharing and the cache save).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>The latest report while it is fresh, else the run in flight, else a new run.</summary>
    public Task<HealthReport> ReportAsync(CancellationToken cancellationToken)
    {
        Task<HealthReport> run;
        lock (_lock)
        {
            if (_cached is { } c && time.GetUtcNow() - c.At < options.CacheFor) return Task.FromResult(c.Report);
            // Started off the caller's thread: a check that blocks before its first await must not hold the lock or the request.
            _inFlight ??= Task.Run(RunAsync, CancellationToken.None);
            run = _inFlight;
        }
        return run.WaitAsync(cancellationToken);
    }

    private async Task<HealthReport> RunAsync()
    {
        try
        {
            var report = await RunChecksAsync().ConfigureAwait(false);
            lock (_lock)
            {
                _cached = (report, time.GetUtcNow());
                _runs++;
            }
            return report;
        }
        finally
        {
            // Even a run that failed outright must not be handed to every later probe.
            lock (_lock) _inFlight = null;
        }
    }

    private async Task<HealthReport> RunChecksAsync()
    {
        var start = time.GetTimestamp();
        var names = registrations.Value.Registrations.Where(r => r.Tags.Contains("ready")).Select(r => r.Name).ToArray();
        using var stop = new CancellationTokenSource();
        var calls = names.Select(n => (Name: n, Call: Start(n, stop.Token))).ToArray();
        using (var done = new CancellationTokenSource())
        {
            await Task.WhenAny(Task.WhenAll(calls.Select(c => c.Call)), Task.Delay(options.CheckTimeout, time, done.Token)).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
        }
        // Calls still running are past their time: told to stop, and reported as such whether they stop or not.
        await stop.CancelAsync().ConfigureAwait(false);

        var entries = new Dictionary<string, HealthReportEntry>(StringComparer.Ordinal);
        foreach (var (name, call) in calls)
        {
            entries[name] = call switch
            {
                { IsCompletedSuccessfully: true } when call.Result.Entries.TryGetValue(name, out var entry) => entry,
                { IsFaulted: true } when call.Exception!.GetBaseException() is var e and not OperationCanceledException =>
                    new HealthReportEntry(HealthStatus.Unhealthy, null, time.GetElapsedTime(start), e, null),
                _ => new HealthReportEntry(HealthStatus.Unhealthy, $"no answer within {DurationText.Format(options.CheckTimeout)}", options.CheckTimeout, null, null),
            };
        }
        return new HealthReport(entries, time.GetElapsedTime(start));
    }

    /// <summary>One check's call, or its previous call when that one still hangs.</summary>
    private Task<HealthReport> Start(string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_running.TryGetValue(name, out var hanging) && !hanging.IsCompleted) return hanging;
            var call = checks.CheckHealthAsync(r => r.Name == name, cancellationToken);
            // A call abandoned past its timeout may still fail later; its exception is observed here, not left to the finalizer.
            _ = call.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            _running[name] = call;
            return call;
        }
    }
}
