using System.Threading.Channels;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Microsoft.Extensions.Logging;
using Ballast.Core;
using Polly;

namespace Ballast.Storage.Monitoring;

/// <summary>
/// The one writer: the engine hands it records without waiting, and it writes them in batches, one transaction each.
/// While the database is unavailable a batch is kept and retried with backoff, never dropped. A batch the database
/// refuses is split until the records it refuses are found; those alone are set aside (logged and counted), so one bad
/// record never holds up the rest. <see cref="FlushAsync"/> waits until everything handed over so far is written or
/// set aside.
/// </summary>
public sealed partial class MonitoringWriter : IMonitoringSink, IAsyncDisposable
{
    private const int MaxBatch = 5000;

    /// <summary>How long a small batch waits for company: caps transactions at about ten a second under load.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(100);

    private readonly IMonitoringStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ResiliencePipeline _retry;
    private readonly Task _loop;
    private readonly Lock _statusLock = new();
    private long _written;
    private long _pending;
    private long _setAside;
    private DateTimeOffset? _failingSince;
    private string? _failure;
    private string? _lastSetAside;

    public MonitoringWriter(IMonitoringStore store, TimeProvider time, ILogger<MonitoringWriter> log)
    {
        _store = store;
        _time = time;
        _log = log;
        // Refusals are not retried: the batch is split instead (WriteWithRetryAsync).
        _retry = StorageBackoff.Create(time, TimeSpan.FromMilliseconds(200), e => !StorageFailure.IsRefusal(e), (e, attempt, delay) =>
        {
            var reason = StorageFailure.Describe(e);
            lock (_statusLock)
            {
                _failingSince ??= _time.GetUtcNow();
                _failure = reason;
            }
            Log.WriteFailed(_log, e, reason, attempt, Pending, delay.TotalSeconds);
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Records committed so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records handed over but not yet committed.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Whether writes are failing now and since when, and how many records the database refused.</summary>
    public WriterStatus Status
    {
        get
        {
            lock (_statusLock) return new WriterStatus(Written, Pending, _failingSince, _failure, Interlocked.Read(ref _setAside), _lastSetAside);
        }
    }

    public void Record(CheckRecord record)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(record)) Interlocked.Decrement(ref _pending);
    }

    /// <summary>Completes when every record handed over before the call is committed.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(done)) return Task.CompletedTask;
        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var batch = new List<CheckRecord>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        var reader = _queue.Reader;
        void Drain()
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                if (item is CheckRecord record) batch.Add(record);
                else flushes.Add((TaskCompletionSource)item);
            }
        }

        while (await reader.WaitToReadAsync())
        {
            Drain();
            if (flushes.Count == 0 && batch.Count < MaxBatch && !reader.Completion.IsCompleted)
            {
                await Task.Delay(Linger, _time);
                Drain();
            }
            await WriteWithRetryAsync(batch);
            batch.Clear();
            foreach (var flush in flushes) flush.TrySetResult();
            flushes.Clear();
        }
    }

    private async Task WriteWithRetryAsync(List<CheckRecord> batch)
    {
        if (batch.Count == 0) return;
        var attempts = 0;
        try
        {
            await _retry.ExecuteAsync(async ct =>
            {
                attempts++;
                await _store.WriteAsync(batch, ct);
            }, CancellationToken.None);
            Interlocked.Add(ref _written, batch.Count);
            Interlocked.Add(ref _pending, -batch.Count);
            Answered(batch.Count, attempts);
        }
        catch (Exception e) when (StorageFailure.IsRefusal(e))
        {
            Answered(0, attempts);
            if (batch.Count == 1)
            {
                SetAside(batch[0], e);
                return;
            }
            // Halving finds k refused records among n in about 2k·log2(n) transactions, and keeps the others in order.
            var half = batch.Count / 2;
            await WriteWithRetryAsync(batch[..half]);
            await WriteWithRetryAsync(batch[half..]);
        }
    }

    /// <summary>The database answered (took the batch or refused it on its merits): it is no longer failing.</summary>
    private void Answered(int written, int attempts)
    {
        DateTimeOffset? since;
        lock (_statusLock)
        {
            since = _failingSince;
            _failingSince = null;
            _failure = null;
        }
        if (since is { } start) Log.WriteRecovered(_log, written, attempts, (_time.GetUtcNow() - start).TotalSeconds);
    }

    private void SetAside(CheckRecord record, Exception e)
    {
        var reason = StorageFailure.Describe(e);
        var r = record.Result;
        Interlocked.Increment(ref _setAside);
        Interlocked.Decrement(ref _pending);
        lock (_statusLock) _lastSetAside = $"{r.Monitor} at {r.StartedAt:O}: {reason}";
        Log.SetAside(_log, r.Monitor, r.StartedAt, reason);
    }

    /// <summary>Writes what is queued, then stops. Waits at most <paramref name="timeout"/>.</summary>
    public async Task CompleteAsync(TimeSpan timeout)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Log.ShutdownIncomplete(_log, Pending);
        }
    }

    public ValueTask DisposeAsync() => new(CompleteAsync(TimeSpan.FromSeconds(30)));

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Storage.WriteFailed, LogLevel.Error, "Storage unavailable: {Reason} (attempt {Attempt}); {Pending} results waiting, retrying in {DelaySeconds:0.0}s, nothing is dropped")]
        public static partial void WriteFailed(ILogger logger, Exception exception, string reason, int attempt, long pending, double delaySeconds);

        [LoggerMessage(LogEvents.Storage.WriteRecovered, LogLevel.Information, "Storage answers again after {FailingSeconds:0.0}s: wrote {Count} results at attempt {Attempt}")]
        public static partial void WriteRecovered(ILogger logger, int count, int attempt, double failingSeconds);

        [LoggerMessage(LogEvents.Storage.ResultSetAside, LogLevel.Error, "Set aside a result of monitor {Monitor} at {StartedAt:O}: the database refused it ({Reason}); the others are written")]
        public static partial void SetAside(ILogger logger, string monitor, DateTimeOffset startedAt, string reason);

        [LoggerMessage(LogEvents.Storage.ShutdownIncomplete, LogLevel.Warning, "Stopped with {Count} results not yet written")]
        public static partial void ShutdownIncomplete(ILogger logger, long count);
    }
}

/// <summary>The writer as health and stats report it.</summary>
/// <param name="FailingSince">When writes started failing for want of a database; null while they succeed.</param>
/// <param name="Failure">Why, in one line.</param>
/// <param name="SetAside">Records the database refused and that were left out, since the start.</param>
/// <param name="LastSetAside">The monitor, time and reason of the last of them.</param>
public sealed record WriterStatus(long Written, long Pending, DateTimeOffset? FailingSince, string? Failure, long SetAside, string? LastSetAside);
