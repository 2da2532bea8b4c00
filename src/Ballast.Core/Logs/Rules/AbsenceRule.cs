using Ballast.Core.Config;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// No line matching <c>match</c> (any line when there is none) for <c>for</c>: fires when that much log time passed
/// since the last one (or since the rule started reading), resolves on the next one.
/// </summary>
internal sealed class AbsenceRule(AbsenceRuleConfig config, LogPattern? match) : LogRule(config)
{
    private DateTimeOffset? _since;
    private LogLine? _last;
    private bool _firing;

    public override int FiringCount => _firing ? 1 : 0;

    private string What => match is null ? "No log line" : $"No line matching \"{match.Text}\"";

    public override void Observe(LogLine line, DateTimeOffset now, List<LogRuleEvent> events)
    {
        Advance(now, events);
        if (match is not null && !match.IsMatch(line)) return;
        _since = line.Time;
        _last = line;
        if (!_firing) return;
        _firing = false;
        events.Add(Event("", false, line.Time, $"{(match is null ? "A log line" : $"A line matching \"{match.Text}\"")} arrived", [line]));
    }

    public override void Advance(DateTimeOffset now, List<LogRuleEvent> events)
    {
        // Silence is counted from the first moment the rule reads: a source that never said anything fires too.
        _since ??= now;
        if (_firing || now < _since.Value + config.For) return;
        _firing = true;
        var after = _last is null ? "since the rule started reading" : $"since {_last.Time:O}";
        events.Add(Event("", true, _since.Value + config.For, $"{What} for {Duration.Format(config.For)} ({after})", _last is null ? [] : [_last]));
    }

    public override void Carry(string key, DateTimeOffset since)
    {
        _firing = true;
        _since ??= since;
    }
}
