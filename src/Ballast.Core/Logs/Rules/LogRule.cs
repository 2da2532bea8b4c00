using Ballast.Core.Config;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// A rule compiled from its config (patterns parsed once), with its state: which keys wait, count or fire. Not thread
/// safe: <see cref="LogRuleEngine"/> calls it under its lock. Every time it is given is log time, the rule's clock.
/// </summary>
public abstract class LogRule
{
    /// <summary>How many lines an incident carries.</summary>
    public const int LinesKept = 5;

    private readonly KeyValuePair<string, string>[] _labels;
    private DateTimeOffset? _clock;
    private DateTimeOffset _clockArrival;

    protected LogRule(LogRuleConfig config)
    {
        Config = config;
        _labels = [.. config.Labels];
    }

    public LogRuleConfig Config { get; }

    /// <summary>Keys firing now.</summary>
    public abstract int FiringCount { get; }

    /// <summary>The rule for <paramref name="config"/>; its patterns were checked when the config was read.</summary>
    public static LogRule Compile(LogRuleConfig config) => config switch
    {
        ThresholdRuleConfig t => new ThresholdRule(t, Pattern(t, t.Match)),
        SequenceRuleConfig s => new SequenceRule(s, Pattern(s, s.First), Pattern(s, s.Then)),
        AbsenceRuleConfig a => new AbsenceRule(a, a.Match is null ? null : Pattern(a, a.Match)),
        _ => throw new ArgumentException($"unknown rule type {config.Type}", nameof(config)),
    };

    private static LogPattern Pattern(LogRuleConfig config, string text) =>
        LogPattern.TryParse(text, config.PatternSyntax, out var pattern, out var error)
            ? pattern
            : throw new ArgumentException($"rule {config.Name}: {error.Message}", nameof(config));

    /// <summary>Whether the rule reads <paramref name="line"/> at all (its source and labels).</summary>
    public bool Accepts(LogLine line)
    {
        if (Config.Source is { } source && !string.Equals(source, line.Source, StringComparison.Ordinal)) return false;
        foreach (var (name, value) in _labels)
            if (!line.Labels.TryGetValue(name, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal)) return false;
        return true;
    }

    /// <summary>
    /// The rule's clock at <paramref name="arrival"/> (the server's time): the last line's time plus what passed on the
    /// server since, so timers run on log time for files read long after they were written, and keep running on the
    /// server's time while a live source is quiet. It never goes back; before any line it is the server's time.
    /// </summary>
    public DateTimeOffset Now(DateTimeOffset arrival) => _clock is { } clock ? clock + (arrival - _clockArrival) : arrival;

    /// <summary>Moves the clock to a line's time (never back) and returns it.</summary>
    public DateTimeOffset Tick(DateTimeOffset lineTime, DateTimeOffset arrival)
    {
        var now = Now(arrival);
        _clock = _clock is null || lineTime > now ? lineTime : now;
        _clockArrival = arrival;
        return _clock.Value;
    }

    /// <summary>Reads one accepted line at <paramref name="now"/> (see <see cref="Tick"/>): first what ran out before it, then the line.</summary>
    public abstract void Observe(LogLine line, DateTimeOffset now, List<LogRuleEvent> events);

    /// <summary>Fires what ran out and resolves what fell back by <paramref name="now"/>.</summary>
    public abstract void Advance(DateTimeOffset now, List<LogRuleEvent> events);

    /// <summary>
    /// An incident of this rule was open when the server stopped: the rule fires for it (key <paramref name="key"/>)
    /// until what it watches is healthy again, as if it had fired itself at <paramref name="since"/>.
    /// </summary>
    public abstract void Carry(string key, DateTimeOffset since);

    /// <summary>The value of label <paramref name="name"/>, or "" when the line has none.</summary>
    protected static string Label(LogLine line, string? name) => name is not null && line.Labels.TryGetValue(name, out var v) ? v : "";

    protected LogRuleEvent Event(string key, bool firing, DateTimeOffset at, string summary, IEnumerable<LogLine> lines) =>
        new(Config, key, firing, at, summary, [.. lines], FiringCount > 0);

    /// <summary>Keeps the last <see cref="LinesKept"/> lines.</summary>
    protected static void Keep(Queue<LogLine> lines, LogLine line)
    {
        lines.Enqueue(line);
        while (lines.Count > LinesKept) lines.Dequeue();
    }

    /// <summary>How a key reads in a sentence.</summary>
    protected static string For(string? name, string key) => key.Length == 0 ? "" : $" for {name ?? "key"}={key}";
}
