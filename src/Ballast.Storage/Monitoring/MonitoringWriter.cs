using System.Threading.Channels;
using Ballast.Core.Monitoring;
using Microsoft.Extensions.Logging;

namespace Ballast.Storage.Monitoring;

/// <summary>
/// The one writer: the engine hands it records without waiting, and it writes them in batches, one transaction each.
/// A failed batch is kept and retried with backoff, never dropped; <see cref="FlushAsync"/> waits until everything
/// handed over so far is committed.
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
    private readonly Task _loop;
    private long _written;
    private long _pending;

    public MonitoringWriter(IMonitoringStore store, TimeProvider time, ILogger<MonitoringWriter> log)
    {
        _store = store;
        _time = time;
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Records committed so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records handed over but not yet committed.</summary>
    public long Pending => Interlocked.Read(ref _pending);

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
            Interlocked.Add(ref _written, batch.Count);
            Interlocked.Add(ref _pending, -batch.Count);
            batch.Clear();
            foreach (var flush in flushes) flush.TrySetResult();
            flushes.Clear();
        }
    }

    private async Task WriteWithRetryAsync(List<CheckRecord> batch)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.WriteAsync(batch);
                if (attempt > 1) Log.WriteRecovered(_log, batch.Count, attempt);
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.WriteFailed(_log, e, batch.Count, attempt, delay.TotalSeconds);
                await Task.Delay(delay, _time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
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
        [LoggerMessage(2001, LogLevel.Error, "Writing {Count} results failed (attempt {Attempt}); retrying in {DelaySeconds}s, nothing is dropped")]
        public static partial void WriteFailed(ILogger logger, Exception exception, int count, int attempt, double delaySeconds);

        [LoggerMessage(2002, LogLevel.Information, "Wrote {Count} results after {Attempt} attempts")]
        public static partial void WriteRecovered(ILogger logger, int count, int attempt);

        [LoggerMessage(2003, LogLevel.Warning, "Stopped with {Count} results not yet written")]
        public static partial void ShutdownIncomplete(ILogger logger, long count);
    }
}
