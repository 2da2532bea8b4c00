using System.Threading.Channels;
using Ballast.Core;
using Ballast.Core.Diagnostics;
using Ballast.Core.Security;
using Microsoft.Extensions.Logging;
using Polly;

namespace Ballast.Storage.Security;

/// <summary>
/// The audit trail's one writer: requests hand it entries without waiting, and it stores them in order, a batch per
/// transaction. While the database is unavailable the batch is retried with backoff and new entries wait in a bounded
/// queue; when the queue is full an entry is dropped, logged and counted rather than holding up a request or the
/// server's memory. An entry the database refuses is set aside the same way. Nothing here ever throws to the caller.
/// </summary>
public sealed partial class AuditWriter : IAuditSink, IAsyncDisposable
{
    /// <summary>Entries kept while the database is away: hours of a busy team's actions, a few MB at most.</summary>
    public const int Capacity = 10_000;

    private const int MaxBatch = 500;

    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<object> _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(Capacity)
        { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ResiliencePipeline _retry;
    private readonly Task _loop;
    private readonly Lock _statusLock = new();
    private long _written;
    private long _pending;
    private long _dropped;
    private long _setAside;
    private long _failures;
    private DateTimeOffset? _failingSince;
    private string? _failure;

    public AuditWriter(IAuditStore store, TimeProvider time, ILogger<AuditWriter> log)
    {
        _store = store;
        _time = time;
        _log = log;
        _retry = StorageBackoff.Create(time, TimeSpan.FromMilliseconds(200), e => !StorageFailure.IsRefusal(e), (e, attempt, delay) =>
        {
            var reason = StorageFailure.Describe(e);
            Interlocked.Increment(ref _failures);
            lock (_statusLock)
            {
                _failingSince ??= _time.GetUtcNow();
                _failure = reason;
            }
            Log.WriteFailed(_log, e, reason, attempt, Pending, delay.TotalSeconds);
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Entries handed over and not yet stored.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>What the writer did since the start, and whether it is failing now.</summary>
    public AuditWriterStatus Status
    {
        get
        {
            lock (_statusLock)
                return new AuditWriterStatus(Interlocked.Read(ref _written), Pending, Interlocked.Read(ref _dropped), Interlocked.Read(ref _setAside),
                    Interlocked.Read(ref _failures), _failingSince, _failure);
        }
    }

    /// <summary>Queues the entry without waiting; when the queue is full it is dropped and counted.</summary>
    public void Record(AuditEntry entry)
    {
        Interlocked.Increment(ref _pending);
        if (_queue.Writer.TryWrite(entry)) return;
        Interlocked.Decrement(ref _pending);
        // The first drop of a run says why; the count says the rest (stats), so a long outage does not flood the log.
        if (Interlocked.Increment(ref _dropped) is var dropped && (dropped == 1 || dropped % 1000 == 0))
            Log.Dropped(_log, entry.Action, entry.Who, dropped, Capacity);
    }

    /// <summary>Completes when every entry handed over before the call is stored or set aside.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A full queue means the database is away: there is nothing a flush could wait for that would come soon.
        if (!_queue.Writer.TryWrite(done)) return Task.CompletedTask;
        return done.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var batch = new List<AuditEntry>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                if (item is AuditEntry entry) batch.Add(entry);
                else flushes.Add((TaskCompletionSource)item);
            }
            await WriteAsync(batch);
            batch.Clear();
            foreach (var flush in flushes) flush.TrySetResult();
            flushes.Clear();
        }
    }

    private async Task WriteAsync(List<AuditEntry> batch)
    {
        if (batch.Count == 0) return;
        try
        {
            await _retry.ExecuteAsync(ct => new ValueTask(_store.AddAsync(batch, ct)), CancellationToken.None);
            Stored(batch.Count);
        }
        catch (Exception e) when (StorageFailure.IsRefusal(e) && batch.Count > 1)
        {
            // Entries are few: one at a time finds the refused one and keeps the order of the others.
            foreach (var entry in batch) await WriteAsync([entry]);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _setAside);
            Interlocked.Decrement(ref _pending);
            Log.SetAside(_log, e, batch[0].Action, batch[0].Who, batch[0].At, StorageFailure.Describe(e));
        }
    }

    private void Stored(int count)
    {
        Interlocked.Add(ref _written, count);
        Interlocked.Add(ref _pending, -count);
        DateTimeOffset? since;
        lock (_statusLock)
        {
            since = _failingSince;
            _failingSince = null;
            _failure = null;
        }
        if (since is { } start) Log.WriteRecovered(_log, count, (_time.GetUtcNow() - start).TotalSeconds);
    }

    /// <summary>Stores what is queued, then stops; waits at most <paramref name="timeout"/>.</summary>
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

    public ValueTask DisposeAsync() => new(CompleteAsync(TimeSpan.FromSeconds(10)));

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Storage.AuditWriteFailed, LogLevel.Error, "Audit trail not stored: {Reason} (attempt {Attempt}); {Pending} entries waiting, retrying in {DelaySeconds:0.0}s")]
        public static partial void WriteFailed(ILogger logger, Exception exception, string reason, int attempt, long pending, double delaySeconds);

        [LoggerMessage(LogEvents.Storage.AuditWriteRecovered, LogLevel.Information, "Audit trail stored again after {FailingSeconds:0.0}s: wrote {Count} entries")]
        public static partial void WriteRecovered(ILogger logger, int count, double failingSeconds);

        [LoggerMessage(LogEvents.Storage.AuditDropped, LogLevel.Error, "Audit entry dropped ({Action} by {Who}): {Capacity} entries already wait for the database; {Dropped} dropped since the start")]
        public static partial void Dropped(ILogger logger, string action, string who, long dropped, int capacity);

        [LoggerMessage(LogEvents.Storage.AuditSetAside, LogLevel.Error, "Audit entry set aside ({Action} by {Who} at {At:O}): the database refused it ({Reason})")]
        public static partial void SetAside(ILogger logger, Exception exception, string action, string who, DateTimeOffset at, string reason);

        [LoggerMessage(LogEvents.Storage.AuditShutdownIncomplete, LogLevel.Warning, "Stopped with {Count} audit entries not yet stored")]
        public static partial void ShutdownIncomplete(ILogger logger, long count);
    }
}

/// <summary>The audit writer as <c>/api/v1/stats</c> reports it.</summary>
/// <param name="Written">Entries stored since the start.</param>
/// <param name="Pending">Entries waiting to be stored.</param>
/// <param name="Dropped">Entries lost because the queue was full while the database was away.</param>
/// <param name="SetAside">Entries the database refused.</param>
/// <param name="Failures">Failed attempts to store a batch (each retried).</param>
/// <param name="FailingSince">When storing started failing; null while it succeeds.</param>
/// <param name="Failure">Why, in one line.</param>
public sealed record AuditWriterStatus(long Written, long Pending, long Dropped, long SetAside, long Failures, DateTimeOffset? FailingSince, string? Failure);
