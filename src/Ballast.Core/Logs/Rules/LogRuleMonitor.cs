using Ballast.Core.Conditions;
using Ballast.Core.Config;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// What a log rule is alerted as: a monitor of the rule's name (type <c>log</c>, the rule's severity, runbook and
/// channels, its tags and <c>logs</c>), so alert routes, silences and maintenance windows match it like any monitor.
/// It is not scheduled: the rule engine feeds it a failing check when the rule fires and a passing one when it stops,
/// through the same state machine, store and alert planner as any monitor.
/// </summary>
public sealed record LogRuleMonitor : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> None = new HashSet<Placeholder>();

    /// <summary>The tag every log rule's monitor carries.</summary>
    public const string Tag = "logs";

    public static LogRuleMonitor For(LogRuleConfig rule) => new()
    {
        Name = rule.Name, Severity = rule.Severity, Runbook = rule.Runbook, Channels = rule.Channels,
        Tags = [Tag, .. rule.Tags.Where(t => t != Tag)], FailureThreshold = 1, SuccessThreshold = 1,
    };

    /// <summary>The monitor of every rule in <paramref name="config"/> (for routes, silences and maintenance windows).</summary>
    public static IEnumerable<LogRuleMonitor> All(BallastConfig config) => config.Logs.Rules.Select(For);

    public override string Type => "log";
    public override IReadOnlySet<Placeholder> Placeholders => None;
    public override IReadOnlyList<Condition> DefaultConditions => [];
}
