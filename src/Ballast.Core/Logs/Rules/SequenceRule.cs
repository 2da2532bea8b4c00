using Ballast.Core.Config;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// <c>first</c> and then <c>then</c> within <c>within</c>, per key: a key whose wait runs out fires (at the moment it
/// ran out, in log time), and its <c>then</c> resolves it. Keys are kept apart so that one replica that started never
/// hides another that stalled: the key is the <c>key</c> label or capture, by default the <c>replica</c> label.
/// </summary>
internal sealed class SequenceRule(SequenceRuleConfig config, LogPattern first, LogPattern then) : LogRule(config)
{
    /// <summary>The label that keeps waits apart when the rule names none.</summary>
    public const string DefaultKey = "replica";

    private readonly Dictionary<string, Wait> _waits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Wait> _firing = new(StringComparer.Ordinal);
    private readonly string _keyName = config.Key ?? DefaultKey;
    private DateTimeOffset _due = DateTimeOffset.MaxValue;

    public override int FiringCount => _firing.Count;

    public override void Observe(LogLine line, DateTimeOffset now, List<LogRuleEvent> events)
    {
        Advance(now, events);
        if (then.IsMatch(line))
        {
            var key = KeyOf(then, line);
            _waits.Remove(key);
            // A carried incident (open when the server stopped) has no key of its own: any then ends it.
            if (_firing.Remove(key) || _firing.Remove(Carried))
                events.Add(Event(key, false, line.Time, $"\"{then.Text}\" arrived{For(_keyName, key)}", [line]));
            return;
        }
        if (!first.IsMatch(line)) return;
        var started = KeyOf(first, line);
        if (_firing.TryGetValue(started, out var stalled))
        {
            Keep(stalled.Lines, line); // started again and still waiting: the incident shows the restarts
            return;
        }
        if (_waits.TryGetValue(started, out var waiting))
        {
            Keep(waiting.Lines, line); // the earliest start keeps its deadline, so a restart loop cannot postpone it
            return;
        }
        var wait = new Wait(line.Time + config.Within);
        Keep(wait.Lines, line);
        _waits[started] = wait;
        if (wait.Deadline < _due) _due = wait.Deadline;
    }

    public override void Advance(DateTimeOffset now, List<LogRuleEvent> events)
    {
        if (now < _due) return;
        _due = DateTimeOffset.MaxValue;
        foreach (var (key, wait) in _waits.OrderBy(w => w.Value.Deadline).ToArray())
        {
            if (wait.Deadline > now)
            {
                if (wait.Deadline < _due) _due = wait.Deadline;
                continue;
            }
            _waits.Remove(key);
            _firing[key] = wait;
            events.Add(Event(key, true, wait.Deadline, $"\"{first.Text}\" was not followed by \"{then.Text}\" within {Duration.Format(config.Within)}{For(_keyName, key)}", wait.Lines));
        }
    }

    private const string Carried = "\0carried";

    public override void Carry(string key, DateTimeOffset since) => _firing.TryAdd(Carried, new Wait(since));

    private string KeyOf(LogPattern pattern, LogLine line) =>
        pattern.Captures(_keyName) ? pattern.Capture(line, _keyName) ?? Label(line, _keyName) : Label(line, _keyName);

    private sealed class Wait(DateTimeOffset deadline)
    {
        public DateTimeOffset Deadline { get; } = deadline;
        public Queue<LogLine> Lines { get; } = new();
    }
}
