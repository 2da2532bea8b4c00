using System.ComponentModel;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Config;

/// <summary>How a rule's patterns are written (<c>syntax:</c>).</summary>
public enum LogRuleSyntax
{
    /// <summary>The text must appear in the line as written, case-sensitive.</summary>
    Text,

    /// <summary>A .NET regular expression; named groups can key a sequence rule.</summary>
    Regex,

    /// <summary>CloudWatch Logs filter-pattern syntax.</summary>
    Cloudwatch,
}

/// <summary>
/// One entry of <c>logs.rules:</c>; its <c>type</c> selects the concrete record. Each rule is alerted as a monitor of
/// its own name (type <c>log</c>), so routes, silences, maintenance windows and the dashboard treat it like one.
/// </summary>
[ConfigUnion("type")]
[ConfigCase("threshold", typeof(ThresholdRuleConfig))]
[ConfigCase("sequence", typeof(SequenceRuleConfig))]
[ConfigCase("absence", typeof(AbsenceRuleConfig))]
public abstract record LogRuleConfig : IValidatableConfig
{
    [Description("Unique name among rules and monitors; the incident's monitor is named after it.")]
    public required string Name { get; init; }

    [Description("The log source (by its name under logs.sources) whose lines the rule reads; every source when absent.")]
    public string? Source { get; init; }

    [Description("How the rule's patterns are written: text (a substring), regex, or cloudwatch (CloudWatch Logs filter patterns).")]
    public LogRuleSyntax Syntax { get; init; } = LogRuleSyntax.Text;

    [Description("Only lines whose source labels have these values (e.g. { service: api, replica: \"0\" }).")]
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    [Description("info, warning or critical; alert routes match on it.")]
    public Severity Severity { get; init; } = Severity.Warning;

    [Description("Free-form labels for routing and filtering (the incident's monitor carries them, and \"logs\").")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("Link to what to do when this rule fires; included in alerts.")]
    public string? Runbook { get; init; }

    [Description("Channels to notify for this rule, instead of what alerting.routes would choose.")]
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>The <c>type:</c> value.</summary>
    [ConfigIgnore]
    public abstract string Type { get; }

    /// <summary>The pattern syntax <see cref="LogPattern.TryParse"/> takes.</summary>
    [ConfigIgnore]
    public PatternSyntax PatternSyntax => Syntax switch
    {
        LogRuleSyntax.Regex => PatternSyntax.Regex,
        LogRuleSyntax.Cloudwatch => PatternSyntax.CloudWatch,
        _ => PatternSyntax.Text,
    };

    public virtual void Validate(ConfigValidation validation)
    {
        if (!Names.Valid().IsMatch(Name)) validation.Error("name", $"\"{Name}\" is not a valid name: {Names.Rule}");
        if (Source is not null && !Names.Valid().IsMatch(Source)) validation.Error("source", $"\"{Source}\" is not a valid source name: {Names.Rule}");
    }

    /// <summary>Parses a pattern key, reporting a bad pattern at the character at fault.</summary>
    protected LogPattern? CheckPattern(ConfigValidation validation, string key, string? text)
    {
        if (text is null) return null;
        if (LogPattern.TryParse(text, PatternSyntax, out var pattern, out var error)) return pattern;
        validation.Error(key, $"is not a valid {ConfigShape.EnumKey(Syntax)} pattern: {error.Message}", error.Offset);
        return null;
    }
}

/// <summary><c>type: threshold</c>: too many matching lines in a sliding window (an error burst).</summary>
public sealed record ThresholdRuleConfig : LogRuleConfig
{
    [Description("The pattern a line must match to be counted.")]
    public required string Match { get; init; }

    [Description("When the rule fires: \"count > N in DURATION\" or \"count >= N in DURATION\", over the lines' own times.")]
    public required LogCount When { get; init; }

    [Description("A label whose values each get their own window (e.g. replica), so one noisy replica fires alone.")]
    public string? Per { get; init; }

    public override string Type => "threshold";

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        CheckPattern(validation, "match", Match);
    }
}

/// <summary>
/// <c>type: sequence</c>: <c>first</c> seen and <c>then</c> not seen within <c>within</c> (a start that never finished),
/// tracked per key so one healthy replica never hides a stalled one.
/// </summary>
public sealed record SequenceRuleConfig : LogRuleConfig
{
    [Description("The line that starts the wait, e.g. \"Starting Nest application\".")]
    public required string First { get; init; }

    [Description("The line that must follow within the time, e.g. \"Listening on port\".")]
    public required string Then { get; init; }

    [Description("How long then may take after first.")]
    public required TimeSpan Within { get; init; }

    [Description("What keeps waits apart: a label (replica, container) or a named capture of first (regex). Defaults to the replica label when lines carry one.")]
    public string? Key { get; init; }

    public override string Type => "sequence";

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        CheckPattern(validation, "first", First);
        CheckPattern(validation, "then", Then);
        if (Within <= TimeSpan.Zero) validation.Error("within", "must be more than 0s");
    }
}

/// <summary><c>type: absence</c>: no line matching <c>match</c> (or no line at all) for <c>for</c> (a service gone silent).</summary>
public sealed record AbsenceRuleConfig : LogRuleConfig
{
    [Description("The pattern expected at least once every for; any line counts when absent.")]
    public string? Match { get; init; }

    [Description("How long without a matching line before the rule fires.")]
    public required TimeSpan For { get; init; }

    public override string Type => "absence";

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        CheckPattern(validation, "match", Match);
        if (For <= TimeSpan.Zero) validation.Error("for", "must be more than 0s");
    }
}
