using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Patterns;
using Ballast.Server.Hosting;

namespace Ballast.Server.Logs;

/// <summary>A line as the tail stream sends it (<c>event: line</c>) and the Logs page shows it.</summary>
/// <param name="Matches">The rules (of the stream's, or all) whose patterns match the line.</param>
public sealed record LogTailLine(string Source, DateTimeOffset Time, string Text, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<string> Matches);

/// <summary>Lines a slow reader was not sent (<c>event: dropped</c>): the count since the last line it was sent.</summary>
public sealed record LogTailDropped(long Lines);

[JsonSerializable(typeof(LogTailLine))]
[JsonSerializable(typeof(LogTailDropped))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
public sealed partial class LogTailJson : JsonSerializerContext;

/// <summary>Which lines a tail wants: one source or all, and only those one rule's patterns match, or all.</summary>
public sealed class LogTailFilter
{
    private readonly string? _source;
    private readonly LogRuleConfig? _rule;
    private readonly LogPattern[] _patterns;

    private LogTailFilter(string? source, LogRuleConfig? rule)
    {
        _source = source;
        _rule = rule;
        _patterns = rule is null ? [] : Patterns(rule);
    }

    /// <summary>Every line of <paramref name="source"/> (all sources when null) that <paramref name="rule"/> matches (every line when null).</summary>
    public static LogTailFilter For(string? source, LogRuleConfig? rule) => new(source, rule);

    /// <summary>Whether the rule has patterns; an absence rule without <c>match</c> reads every line but highlights none.</summary>
    public bool HasPatterns => _patterns.Length > 0;

    /// <summary>Whether the line goes to this tail.</summary>
    public bool Wants(LogLine line)
    {
        if (_source is not null && !string.Equals(_source, line.Source, StringComparison.Ordinal)) return false;
        return _rule is null || Matches(_rule, _patterns, line);
    }

    private static bool Matches(LogRuleConfig rule, LogPattern[] patterns, LogLine line)
    {
        if (rule.Source is { } source && !string.Equals(source, line.Source, StringComparison.Ordinal)) return false;
        foreach (var (name, value) in rule.Labels)
            if (!line.Labels.TryGetValue(name, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal)) return false;
        if (patterns.Length == 0) return true; // an absence rule without match: reads every line
        foreach (var pattern in patterns)
            if (pattern.IsMatch(line)) return true;
        return false;
    }

    // Patterns were checked when the config was read; one that still fails to parse matches nothing here.
    private static LogPattern[] Patterns(LogRuleConfig rule) =>
        Texts(rule).Select(t => LogPattern.TryParse(t, rule.PatternSyntax, out var p, out _) ? p : null).OfType<LogPattern>().ToArray();

    private static IEnumerable<string> Texts(LogRuleConfig rule) => rule switch
    {
        ThresholdRuleConfig t => [t.Match],
        SequenceRuleConfig s => [s.First, s.Then],
        AbsenceRuleConfig { Match: { } match } => [match],
        _ => [],
    };
}

/// <summary>
/// Hands accepted lines to the open tails (<c>GET /api/v1/logs/tail</c>): an <see cref="ILogObserver"/> that never
/// blocks the hub. Each tail has a bounded queue of <see cref="QueuedLines"/>; a tail that reads slower than lines come
/// loses the lines that do not fit, and is told how many before its next line.
/// </summary>
public sealed class LogTail(ConfigState config) : ILogObserver
{
    /// <summary>Lines queued per tail before further ones are dropped for it.</summary>
    public const int QueuedLines = 1000;

    private ImmutableArray<Subscriber> _subscribers = [];

    /// <summary>Tails open now.</summary>
    public int Count => _subscribers.Length;

    void ILogObserver.Observe(LogLine line)
    {
        var subscribers = _subscribers;
        foreach (var subscriber in subscribers)
            if (subscriber.Filter.Wants(line) && !subscriber.Lines.Writer.TryWrite(line)) Interlocked.Increment(ref subscriber.Dropped);
    }

    /// <summary>Opens a tail; dispose it to close.</summary>
    public Subscriber Subscribe(LogTailFilter filter)
    {
        var subscriber = new Subscriber(this, filter);
        ImmutableInterlocked.Update(ref _subscribers, static (list, s) => list.Add(s), subscriber);
        return subscriber;
    }

    // The rules' patterns compiled once per config (a reload makes a new list), not once per line.
    private (IReadOnlyList<LogRuleConfig> Rules, (string Name, LogTailFilter Filter)[] Filters) _compiled = ([], []);

    /// <summary>A line as tails and the Logs page show it, with the rules that match it.</summary>
    public LogTailLine View(LogLine line)
    {
        var rules = config.Current.Logs.Rules;
        var compiled = _compiled;
        if (!ReferenceEquals(compiled.Rules, rules))
            _compiled = compiled = (rules, rules.Select(r => (r.Name, LogTailFilter.For(null, r))).Where(f => f.Item2.HasPatterns).ToArray());
        List<string>? matches = null;
        foreach (var (name, filter) in compiled.Filters)
            if (filter.Wants(line)) (matches ??= []).Add(name);
        return new(line.Source, line.Time, line.Text, line.Labels, matches ?? (IReadOnlyList<string>)[]);
    }

    /// <summary>One open tail.</summary>
    public sealed class Subscriber(LogTail tail, LogTailFilter filter) : IDisposable
    {
        internal long Dropped;

        internal LogTailFilter Filter { get; } = filter;

        internal Channel<LogLine> Lines { get; } = Channel.CreateBounded<LogLine>(
            new BoundedChannelOptions(QueuedLines) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

        /// <summary>Lines dropped since the last call.</summary>
        public long TakeDropped() => Interlocked.Exchange(ref Dropped, 0);

        /// <summary>The queued lines.</summary>
        public ChannelReader<LogLine> Reader => Lines.Reader;

        public void Dispose() => ImmutableInterlocked.Update(ref tail._subscribers, static (list, s) => list.Remove(s), this);
    }
}
