namespace Ballast.Core.Config;

/// <summary>
/// A threshold rule's <c>when:</c>, <c>count &gt; 3 in 5m</c>: more than (or at least) so many matching lines within a
/// sliding window. Only <c>&gt;</c> and <c>&gt;=</c>: a rule that fires on too few lines is an absence rule, which
/// says so and resolves on the next line rather than on a window's arithmetic.
/// </summary>
public sealed class LogCount : IConfigScalar<LogCount>, IFormattable
{
    private LogCount(string text, bool orEqual, int count, TimeSpan window) => (Text, OrEqual, Count, Window) = (text, orEqual, count, window);

    /// <summary>As written.</summary>
    public string Text { get; }

    /// <summary>True for <c>&gt;=</c>.</summary>
    public bool OrEqual { get; }

    public int Count { get; }

    /// <summary>How far back lines count.</summary>
    public TimeSpan Window { get; }

    /// <summary>Whether <paramref name="seen"/> lines in the window make the rule fire.</summary>
    public bool Exceeded(int seen) => OrEqual ? seen >= Count : seen > Count;

    public static string SchemaHint => "count > N in DURATION (or >=), e.g. \"count > 3 in 5m\"";

    public static bool TryParse(string text, out LogCount value, out string error, out int offset)
    {
        value = null!;
        var i = Skip(text, 0);
        if (!text.AsSpan(i).StartsWith("count", StringComparison.Ordinal))
            return Fail("starts with \"count\", as in \"count > 3 in 5m\"", i, out error, out offset);
        i = Skip(text, i + 5);
        bool orEqual;
        if (text.AsSpan(i).StartsWith(">=", StringComparison.Ordinal)) (orEqual, i) = (true, i + 2);
        else if (text.AsSpan(i).StartsWith('>')) (orEqual, i) = (false, i + 1);
        else return Fail("the comparison is > or >= (a rule for too few lines is type: absence)", i, out error, out offset);
        i = Skip(text, i);
        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i == start || !int.TryParse(text.AsSpan(start, i - start), out var count))
            return Fail("expected a whole number after the comparison", start, out error, out offset);
        i = Skip(text, i);
        if (!text.AsSpan(i).StartsWith("in ", StringComparison.Ordinal))
            return Fail("expected \"in DURATION\" after the number, e.g. \"in 5m\"", i, out error, out offset);
        i = Skip(text, i + 3);
        var durationText = text[i..].TrimEnd();
        if (!Duration.TryParse(durationText, out var window) || window <= TimeSpan.Zero)
            return Fail($"\"{durationText}\" is not a duration ({Duration.Hint})", i, out error, out offset);
        value = new LogCount(text, orEqual, count, window);
        (error, offset) = ("", 0);
        return true;
    }

    private static int Skip(string text, int i)
    {
        while (i < text.Length && text[i] == ' ') i++;
        return i;
    }

    private static bool Fail(string message, int at, out string error, out int offset)
    {
        (error, offset) = (message, at);
        return false;
    }

    public override string ToString() => Text;

    public string ToString(string? format, IFormatProvider? formatProvider) => Text;
}
