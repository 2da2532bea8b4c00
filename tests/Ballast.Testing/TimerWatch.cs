namespace Ballast.Testing;

/// <summary>
/// A clock that passes everything to another (a fake one, in tests) and counts the timers created on it, so a test can
/// wait until code has really started waiting (a backoff, a delay) before it moves the fake clock past the wait.
/// </summary>
public sealed class TimerWatch(TimeProvider inner) : TimeProvider
{
    private readonly Lock _lock = new();
    private int _created;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Timers created so far.</summary>
    public int Created
    {
        get
        {
            lock (_lock) return _created;
        }
    }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
    public override long GetTimestamp() => inner.GetTimestamp();
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        TaskCompletionSource changed;
        lock (_lock)
        {
            _created++;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        return timer;
    }

    /// <summary>Waits (real time, bounded) until more than <paramref name="count"/> timers were created.</summary>
    public async Task WaitForMoreThanAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_created > count) return;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no timer created after the first {count}");
            }
        }
    }
}
