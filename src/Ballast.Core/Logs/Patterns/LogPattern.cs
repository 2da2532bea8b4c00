using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Ballast.Core.Logs.Patterns;

/// <summary>How a rule's patterns are written (the rule's <c>syntax:</c>).</summary>
public enum PatternSyntax
{
    /// <summary>The text must appear in the line as written, case-sensitive.</summary>
    Text,

    /// <summary>A .NET regular expression, run without backtracking where it can be, else with a time limit.</summary>
    Regex,

    /// <summary>CloudWatch Logs filter-pattern syntax, as AWS documents it.</summary>
    CloudWatch,
}

/// <summary>Why a pattern was refused: the character offset (0-based) into the pattern at fault, and a sentence.</summary>
public sealed record PatternError(int Offset, string Message);

/// <summary>A parsed pattern that says whether a log line matches it, and which values it captured.</summary>
public abstract class LogPattern
{
    protected LogPattern(string text, PatternSyntax syntax) => (Text, Syntax) = (text, syntax);

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    public PatternSyntax Syntax { get; }

    /// <summary>Whether <paramref name="line"/> matches.</summary>
    public abstract bool IsMatch(LogLine line);

    /// <summary>
    /// The value the pattern captured under <paramref name="name"/> from a matching line (a regex group, a
    /// space-delimited field), or null when it captures nothing by that name. Sequence rules key on it.
    /// </summary>
    public virtual string? Capture(LogLine line, string name) => null;

    /// <summary>
    /// Judges a line still in UTF-8 (without its line ending) when the pattern can do so without decoding it — literal
    /// text and CloudWatch terms can, since UTF-8 substring search agrees with UTF-16 substring search — and returns
    /// true with the verdict in <paramref name="matched"/>. Returns false when the pattern needs the decoded
    /// <see cref="LogLine"/>; the caller then decodes and calls <see cref="IsMatch"/>. Scans over large files use it
    /// to skip making a string for every line.
    /// </summary>
    public virtual bool TryMatchUtf8(ReadOnlySpan<byte> line, out bool matched)
    {
        matched = false;
        return false;
    }

    /// <summary>Whether the pattern can capture a value named <paramref name="name"/> (checked when config is read).</summary>
    public virtual bool Captures(string name) => false;

    /// <summary>Parses <paramref name="text"/> written in <paramref name="syntax"/>.</summary>
    public static bool TryParse(string text, PatternSyntax syntax, [NotNullWhen(true)] out LogPattern? pattern, [NotNullWhen(false)] out PatternError? error)
    {
        pattern = null;
        error = null;
        // CloudWatch gives the empty pattern a meaning (every line), as AWS does.
        if (syntax == PatternSyntax.CloudWatch) return CloudWatchPattern.TryParse(text ?? "", out pattern, out error);
        if (string.IsNullOrEmpty(text))
        {
            error = new PatternError(0, "is empty");
            return false;
        }
        switch (syntax)
        {
            case PatternSyntax.Text:
                pattern = new TextPattern(text);
                return true;
            case PatternSyntax.Regex:
                return RegexPattern.TryParse(text, out pattern, out error);
            default:
                error = new PatternError(0, $"the {syntax} syntax is not supported");
                return false;
        }
    }

    public override string ToString() => Text;
}

/// <summary>A literal that must appear in the line, case-sensitive.</summary>
public sealed class TextPattern(string text) : LogPattern(text, PatternSyntax.Text)
{
    // Ordinal span search is vectorized and allocates nothing per line; `ballast logs scan` runs it over gigabytes.
    private readonly byte[] _utf8 = Encoding.UTF8.GetBytes(text);

    // Ordinal span search is vectorized and allocates nothing per line; `ballast logs scan` runs it over gigabytes.
    public override bool IsMatch(LogLine line) => line.Text.AsSpan().IndexOf(Text.AsSpan(), StringComparison.Ordinal) >= 0;

    public override bool TryMatchUtf8(ReadOnlySpan<byte> line, out bool matched)
    {
        matched = line.IndexOf(_utf8) >= 0;
        return true;
    }
}
