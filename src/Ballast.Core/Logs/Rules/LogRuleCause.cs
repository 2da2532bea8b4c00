using System.Globalization;
using System.Text;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// The cause an incident of a log rule is stored and alerted with: the rule and what happened, then the lines that
/// made it fire, each cut to <see cref="LineLength"/> characters and with every secret value Ballast knows masked.
/// </summary>
public static class LogRuleCause
{
    /// <summary>How much of one line an incident keeps.</summary>
    public const int LineLength = 240;

    public static string Describe(LogRuleEvent ruleEvent, LogSecrets secrets)
    {
        var text = new StringBuilder();
        text.Append("log rule ").Append(ruleEvent.Rule.Name).Append(" (").Append(ruleEvent.Rule.Type).Append("): ").Append(secrets.Mask(ruleEvent.Summary));
        foreach (var line in ruleEvent.Lines)
        {
            text.Append('\n').Append(line.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ').Append(line.Source);
            foreach (var (name, value) in line.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) text.Append(' ').Append(name).Append('=').Append(secrets.Mask(value));
            text.Append(" | ").Append(Cut(secrets.Mask(line.Text)));
        }
        return text.ToString();
    }

    private static string Cut(string text) => text.Length <= LineLength ? text : string.Concat(text.AsSpan(0, LineLength), "…");
}
