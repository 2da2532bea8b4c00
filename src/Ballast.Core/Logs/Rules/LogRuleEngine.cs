using Ballast.Core.Config;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// Runs <c>logs.rules</c> over accepted lines: each line goes to the rules of its source (and to those of every
/// source), and <see cref="Advance"/>, called on a timer by the live server, fires the waits and silences that ran out
/// while no line came. Lines' own times drive the windows, so a file read long after it was written fires at the log
/// time it would have fired at; between lines each rule's clock runs on <see cref="TimeProvider"/>.
/// </summary>
public sealed class LogRuleEngine : ILogObserver
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogRuleListener _listener;
    private readonly List<LogRule> _rules;
    private readonly List<LogRuleEvent> _events = [];

    public LogRuleEngine(IEnumerable<LogRuleConfig> rules, TimeProvider time, ILogRuleListener listener)
    {
        _time = time;
        _listener = listener;
        _rules = [.. rules.Select(LogRule.Compile)];
    }

    /// <summary>The compiled rules, in config order.</summary>
    public IReadOnlyList<LogRule> Rules => _rules;

    public void Observe(LogLine line)
    {
        lock (_gate)
        {
            var arrival = _time.GetUtcNow();
            foreach (var rule in _rules)
            {
                if (!rule.Accepts(line)) continue;
                rule.Observe(line, rule.Tick(line.Time, arrival), _events);
            }
            Flush();
        }
    }

    /// <summary>Fires what ran out and resolves what fell back by now; the live server calls it every second.</summary>
    public void Advance()
    {
        lock (_gate)
        {
            var arrival = _time.GetUtcNow();
            foreach (var rule in _rules) rule.Advance(rule.Now(arrival), _events);
            Flush();
        }
    }

    /// <summary>An incident of rule <paramref name="name"/> was open when the server stopped: the rule fires for it until healthy again.</summary>
    public void Carry(string name, DateTimeOffset since)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
                if (rule.Config.Name == name)
                    rule.Carry("", since);
        }
    }

    private void Flush()
    {
        foreach (var e in _events) _listener.OnRuleEvent(e);
        _events.Clear();
    }
}
