using System.Globalization;

namespace SampleApi;

/// <summary>
/// The token budgets release 165 introduced (<c>AI_MAX_TOKENS_CHAT</c>, <c>AI_MAX_TOKENS_SUMMARY</c>). Like the story's
/// service, the code that loads them waits for them rather than failing: with them missing the process serves
/// /health/live while startup never completes.
/// </summary>
public sealed class AiBudgets(Release release)
{
    public static readonly string[] Variables = ["AI_MAX_TOKENS_CHAT", "AI_MAX_TOKENS_SUMMARY"];

    public bool Enabled => release.NeedsAiBudgets;

    public int Chat { get; private set; }

    public int Summary { get; private set; }

    /// <summary>Reads the budgets; returns what is wrong, or null once they are loaded.</summary>
    public string? TryLoad()
    {
        var values = new int[Variables.Length];
        var problems = new List<string>();
        for (var i = 0; i < Variables.Length; i++)
        {
            var text = Environment.GetEnvironmentVariable(Variables[i]);
            if (string.IsNullOrEmpty(text)) problems.Add($"{Variables[i]} is missing");
            else if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1)
                problems.Add($"{Variables[i]} is not a positive whole number");
        }
        if (problems.Count > 0) return string.Join("; ", problems);
        (Chat, Summary) = (values[0], values[1]);
        return null;
    }
}
