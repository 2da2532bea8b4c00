using Ballast.Core.Config;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// A rule's key started or stopped firing: a stalled replica, a burst of errors from one label value, a silent source.
/// </summary>
/// <param name="Rule">The rule, as configured.</param>
/// <param name="Key">What the rule keeps apart (a replica, a label value, a capture); empty when it keeps nothing apart.</param>
/// <param name="Firing">True when the key starts firing, false when it stops.</param>
/// <param name="At">When, in log time (the time lines carry): for a sequence, when the wait ran out.</param>
/// <param name="Summary">What happened, in a sentence (no line text in it).</param>
/// <param name="Lines">The lines that made it fire, oldest first, at most <see cref="LogRule.LinesKept"/>.</param>
/// <param name="AnyFiring">Whether the rule still fires for some key after this event.</param>
public sealed record LogRuleEvent(LogRuleConfig Rule, string Key, bool Firing, DateTimeOffset At, string Summary, IReadOnlyList<LogLine> Lines, bool AnyFiring);

/// <summary>Told of every <see cref="LogRuleEvent"/>, in order, while the engine holds its lock: must return quickly.</summary>
public interface ILogRuleListener
{
    void OnRuleEvent(LogRuleEvent ruleEvent);
}
