using Ballast.Core.Monitoring;

namespace Ballast.Testing;

/// <summary>Keeps every record the engine emits and lets a test await the one it expects, instead of sleeping.</summary>
public sealed class RecordingSink : IMonitoringSink
{
    private readonly List<CheckRecord> _records = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<CheckRecord> Records
    {
        get
        {
            lock (_lock) return _records.ToArray();
        }
    }

    public void Record(CheckRecord record)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _records.Add(record);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Waits (real time, bounded) until <paramref name="count"/> records exist for <paramref name="monitor"/>; returns them.</summary>
    public async Task<IReadOnlyList<CheckRecord>> WaitForAsync(string monitor, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                var mine = _records.Where(r => r.Result.Monitor == monitor).ToArray();
                if (mine.Length >= count) return mine;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} records for {monitor}, got {_records.Count(r => r.Result.Monitor == monitor)}");
            }
        }
    }
}
