using Ballast.Core.Logs;

namespace Ballast.Server.Tests;

/// <summary>An observer registered in the real server, as the rule engine is: keeps every line it sees and wakes waiters.</summary>
internal sealed class LineCollector : ILogObserver
{
    private readonly List<LogLine> _lines = [];
    private readonly List<(Func<IReadOnlyList<LogLine>, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public void Observe(LogLine line)
    {
        lock (_lines)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Condition(_lines)).ToArray())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_lines) return _lines.ToArray();
        }
    }

    public IReadOnlyList<string> Texts => Lines.Select(l => l.Text).ToArray();

    /// <summary>Completes once a line with <paramref name="text"/> was seen; fails after 15 s with what was seen.</summary>
    public Task SeenAsync(string text) => UntilAsync(lines => lines.Any(l => l.Text == text), $"a line \"{text}\"");

    public async Task UntilAsync(Func<IReadOnlyList<LogLine>, bool> condition, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (condition(_lines)) return;
            _waiters.Add((condition, done));
        }
        try
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"never saw {what}; saw: {string.Join(" | ", Texts)}");
        }
    }
}
