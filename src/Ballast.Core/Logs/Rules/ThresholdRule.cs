using Ballast.Core.Config;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// <c>count &gt; N in WINDOW</c> over the times of matching lines, one window per value of <c>per</c>: fires when a
/// match makes the count exceed N, resolves when enough matches have left the window that it no longer does.
/// </summary>
internal sealed class ThresholdRule(ThresholdRuleConfig config, LogPattern match) : LogRule(config)
{
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private int _firing;

    public override int FiringCount => _firing;

    public override void Observe(LogLine line, DateTimeOffset now, List<LogRuleEvent> events)
    {
        Advance(now, events);
        if (!match.IsMatch(line)) return;
        var key = Label(line, config.Per);
        if (!_windows.TryGetValue(key, out var window)) _windows[key] = window = new Window();
        window.Times.Enqueue(line.Time);
        // Whether the count passed N needs only the latest N + 1 times: a flood of errors keeps that many, not all.
        if (window.Times.Count > config.When.Count + 1) window.Times.Dequeue();
        Keep(window.Lines, line);
        Prune(window, now);
        if (window.Firing || !config.When.Exceeded(window.Times.Count)) return;
        window.Firing = true;
        _firing++;
        events.Add(Event(key, true, line.Time, $"{window.Times.Count} lines matched \"{match.Text}\" within {Duration.Format(config.When.Window)}{For(config.Per, key)} ({config.When.Text})", window.Lines));
    }

    public override void Advance(DateTimeOffset now, List<LogRuleEvent> events)
    {
        if (_windows.Count == 0) return;
        List<string>? idle = null;
        foreach (var (key, window) in _windows)
        {
            Prune(window, now);
            if (window.Firing && !config.When.Exceeded(window.Times.Count))
            {
                window.Firing = false;
                _firing--;
                events.Add(Event(key, false, now, $"{window.Times.Count} lines matched \"{match.Text}\" within {Duration.Format(config.When.Window)}{For(config.Per, key)}", []));
            }
            if (!window.Firing && window.Times.Count == 0) (idle ??= []).Add(key);
        }
        // A window that fell empty costs nothing to make again; keeping it would grow with every label value ever seen.
        if (idle is not null) foreach (var key in idle) _windows.Remove(key);
    }

    public override void Carry(string key, DateTimeOffset since)
    {
        if (_windows.ContainsKey(key)) return;
        // Carried with a window's worth of matches at the moment it is carried, so it resolves once a whole window passes quietly.
        var window = new Window { Firing = true };
        for (var i = 0; i <= config.When.Count; i++) window.Times.Enqueue(since);
        _windows[key] = window;
        _firing++;
    }

    private void Prune(Window window, DateTimeOffset now)
    {
        var from = now - config.When.Window;
        while (window.Times.Count > 0 && window.Times.Peek() <= from) window.Times.Dequeue();
    }

    private sealed class Window
    {
        public Queue<DateTimeOffset> Times { get; } = new();
        public Queue<LogLine> Lines { get; } = new();
        public bool Firing { get; set; }
    }
}
