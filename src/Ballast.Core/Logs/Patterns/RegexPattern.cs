using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Ballast.Core.Logs.Patterns;

/// <summary>
/// A .NET regular expression. It runs with <see cref="RegexOptions.NonBacktracking"/>, whose time is linear in the
/// line's length whatever the pattern; a pattern that needs backtracking (lookarounds, backreferences, atomic
/// groups) runs with a match timeout instead, and a line that takes longer than that counts as not matching.
/// </summary>
public sealed class RegexPattern : LogPattern
{
    /// <summary>How long a backtracking pattern may spend on one line.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex _regex;

    private RegexPattern(string text, Regex regex) : base(text, PatternSyntax.Regex) => _regex = regex;

    public static bool TryParse(string text, [NotNullWhen(true)] out LogPattern? pattern, [NotNullWhen(false)] out PatternError? error)
    {
        pattern = null;
        error = null;
        try
        {
            pattern = new RegexPattern(text, new Regex(text, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant));
            return true;
        }
        catch (NotSupportedException)
        {
            // NonBacktracking refuses lookarounds, backreferences and atomic groups; they run backtracking, bounded.
        }
        catch (RegexParseException e)
        {
            error = new PatternError(Math.Max(0, e.Offset - 1), Describe(e));
            return false;
        }
        try
        {
            pattern = new RegexPattern(text, new Regex(text, RegexOptions.CultureInvariant, MatchTimeout));
            return true;
        }
        catch (RegexParseException e)
        {
            error = new PatternError(Math.Max(0, e.Offset - 1), Describe(e));
            return false;
        }
    }

    public override bool IsMatch(LogLine line)
    {
        try
        {
            return _regex.IsMatch(line.Text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    public override bool Captures(string name) => _regex.GroupNumberFromName(name) >= 0;

    public override string? Capture(LogLine line, string name)
    {
        try
        {
            var group = _regex.Match(line.Text).Groups[name];
            return group.Success ? group.Value : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private static string Describe(RegexParseException e)
    {
        // The exception's message repeats the whole pattern; the rule's error names it already.
        var message = e.Message;
        var cut = message.IndexOf(" - ", StringComparison.Ordinal);
        return "not a valid regular expression: " + (cut >= 0 ? message[(cut + 3)..] : e.Error.ToString());
    }
}
