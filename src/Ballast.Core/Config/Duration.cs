using System.Globalization;
using System.Text;

namespace Ballast.Core.Config;

/// <summary>Durations as people write them in ballast.yaml: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, or a mix like <c>1h30m</c>.</summary>
public static class Duration
{
    public const string Hint = "use a number with a unit: 250ms, 30s, 5m, 2h, 1d";

    /// <summary>Parses a duration; returns false for anything without a unit, negative, or unknown.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        var i = 0;
        var total = 0.0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start) return false;
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            var ms = s[unitStart..i] switch
            {
                "ms" => 1.0,
                "s" => 1000.0,
                "m" => 60_000.0,
                "h" => 3_600_000.0,
                "d" => 86_400_000.0,
                "w" => 604_800_000.0,
                _ => double.NaN,
            };
            if (double.IsNaN(ms)) return false;
            total += number * ms;
        }
        if (total > TimeSpan.MaxValue.TotalMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Formats the way a person would write it: <c>90s</c> as <c>1m30s</c>, <c>250ms</c> as is.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var sb = new StringBuilder();
        if (value < TimeSpan.Zero) { sb.Append('-'); value = value.Negate(); }
        void Part(long n, string unit) { if (n > 0) sb.Append(n).Append(unit); }
        Part((long)value.TotalDays, "d");
        Part(value.Hours, "h");
        Part(value.Minutes, "m");
        Part(value.Seconds, "s");
        Part(value.Milliseconds, "ms");
        return sb.Length == 0 || sb.ToString() == "-" ? $"{value.TotalMilliseconds:0.###}ms" : sb.ToString();
    }
}
