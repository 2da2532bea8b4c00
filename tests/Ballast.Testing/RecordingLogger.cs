using Microsoft.Extensions.Logging;

namespace Ballast.Testing;

/// <summary>Keeps every log entry and lets a test await the one with a given event id, instead of sleeping.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<(EventId Id, string Message)> _entries = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(EventId Id, string Message)> Entries
    {
        get
        {
            lock (_lock) return _entries.ToArray();
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _entries.Add((eventId, formatter(state, exception)));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Waits (real time, bounded) until an entry with <paramref name="eventId"/> was logged; returns its message.</summary>
    public async Task<string> WaitForAsync(int eventId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                foreach (var (id, message) in _entries)
                    if (id.Id == eventId) return message;
                changed = _changed.Task;
            }
            await changed.WaitAsync(cts.Token);
        }
    }
}
