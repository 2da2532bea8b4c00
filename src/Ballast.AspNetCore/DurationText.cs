using System.Globalization;

namespace Ballast.AspNetCore;

/// <summary>Durations as people write them in environment variables: "750ms", "15s", "2m", "1h", or bare seconds.</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        var (number, seconds) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value)) return false;
        duration = TimeSpan.FromSeconds(value * seconds);
        return true;
    }

    /// <summary>The variable's duration, null when unset; a clear error naming the variable when it is not a duration.</summary>
    public static TimeSpan? FromEnvironment(string name)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return TryParse(text, out var duration) ? duration : throw new InvalidOperationException($"{name}={text} is not a duration (use 750ms, 15s, 2m or 1h)");
    }

    /// <summary>The shortest of those forms that says the duration exactly ("1s", "750ms", "2m").</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalHours >= 1 && duration.TotalHours % 1 == 0 ? $"{duration.TotalHours.ToString(CultureInfo.InvariantCulture)}h"
        : duration.TotalMinutes >= 1 && duration.TotalMinutes % 1 == 0 ? $"{duration.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m"
        : duration.TotalSeconds >= 1 && duration.TotalSeconds % 1 == 0 ? $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : $"{Math.Round(duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}ms";
}
