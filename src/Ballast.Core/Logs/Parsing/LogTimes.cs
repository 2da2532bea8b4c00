using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ballast.Core.Logs.Parsing;

/// <summary>
/// Reads when a line was written from the line itself: RFC 3339 / ISO 8601 at the start (also after a syslog priority,
/// a level or an opening bracket), NestJS's console logger, ASP.NET Core's simple and systemd console formatters with a
/// TimestampFormat, syslog (RFC 3164 and RFC 5424), and JSON lines (<c>time</c>, <c>timestamp</c>, <c>Timestamp</c>,
/// <c>@t</c>, <c>ts</c>; ISO text, or epoch milliseconds or seconds as pino and zap write them). A time written without
/// an offset is read in the source's zone (UTC unless the source says otherwise); formats without a year or a date
/// (syslog's <c>Nov 29 10:00:00</c>, a <c>HH:mm:ss</c> TimestampFormat) take them from the arrival time.
/// </summary>
public static partial class LogTimes
{
    private static readonly string[] JsonKeys = ["time", "timestamp", "Timestamp", "@t", "ts"];

    // NestJS formats with Intl.DateTimeFormat in the process's locale: en-US by default, other locales seen in the wild.
    private static readonly string[] NestFormats =
    [
        "M/d/yyyy, h:mm:ss tt", "MM/dd/yyyy, hh:mm:ss tt", "M/d/yyyy, H:mm:ss", "dd/MM/yyyy, HH:mm:ss", "dd/MM/yyyy HH:mm:ss",
        "d.M.yyyy, HH:mm:ss", "dd.MM.yyyy, HH:mm:ss", "yyyy/M/d HH:mm:ss", "yyyy-MM-dd HH:mm:ss",
    ];

    /// <summary>The line with its time read from its text, or <paramref name="arrival"/> when the text carries none.</summary>
    public static LogLine Parse(string source, string text, DateTimeOffset arrival, IReadOnlyDictionary<string, string> labels, TimeZoneInfo? zone = null)
    {
        var line = new LogLine(source, text, arrival, labels);
        return TryRead(line, arrival, zone, out var time) ? line with { Time = time } : line;
    }

    /// <summary>The time <paramref name="line"/> carries (its JSON field or its text's prefix), if any.</summary>
    public static bool TryRead(LogLine line, DateTimeOffset arrival, TimeZoneInfo? zone, out DateTimeOffset time)
    {
        var text = line.Text;
        var first = FirstNonSpace(text);
        if (first < text.Length && text[first] == '{')
        {
            if (line.Json is { } json) return TryReadJson(json, zone, out time);
        }
        return TryReadText(text, arrival, zone ?? TimeZoneInfo.Utc, out time);
    }

    /// <summary>The time at the start of a text line, if any.</summary>
    public static bool TryReadText(string text, DateTimeOffset arrival, TimeZoneInfo zone, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 8) return false;
        Match m;
        if (text[0] == '[' && text.StartsWith("[Nest]", StringComparison.Ordinal))
        {
            m = Nest().Match(text);
            return m.Success && DateTime.TryParseExact(m.Groups["t"].Value, NestFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
                   && Local(local, zone, out time);
        }
        if ((m = Iso().Match(text)).Success) return TryIso(m.Groups["t"].Value, zone, out time);
        if ((m = Bsd().Match(text)).Success)
        {
            var month = Array.IndexOf(Months, m.Groups["mon"].Value) + 1;
            var written = $"{arrival.Year:D4}-{month:D2}-{int.Parse(m.Groups["day"].ValueSpan.Trim(), CultureInfo.InvariantCulture):D2}T{m.Groups["hms"].Value}";
            if (!DateTime.TryParse(written, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) || !Local(local, zone, out time)) return false;
            // No year: a December line read in January belongs to the year before.
            if (time > arrival.AddDays(1) && Local(local.AddYears(-1), zone, out var earlier)) time = earlier;
            return true;
        }
        if ((m = TimeOfDay().Match(text)).Success && TimeSpan.TryParse(m.Groups["t"].ValueSpan, CultureInfo.InvariantCulture, out var ofDay))
        {
            var day = TimeZoneInfo.ConvertTime(arrival, zone).Date;
            if (!Local(day + ofDay, zone, out time)) return false;
            // Just after midnight a line written just before it is yesterday's.
            if (time > arrival.AddHours(1) && Local(day.AddDays(-1) + ofDay, zone, out var earlier)) time = earlier;
            return true;
        }
        return false;
    }

    /// <summary>The time field of a JSON line, if it has one that reads as a time.</summary>
    public static bool TryReadJson(JsonElement json, TimeZoneInfo? zone, out DateTimeOffset time)
    {
        time = default;
        if (json.ValueKind != JsonValueKind.Object) return false;
        foreach (var key in JsonKeys)
        {
            if (!json.TryGetProperty(key, out var value)) continue;
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    if (TryIso(value.GetString()!.Trim(), zone ?? TimeZoneInfo.Utc, out time)) return true;
                    break;
                case JsonValueKind.Number when value.TryGetDouble(out var number) && number > 0:
                    // pino writes epoch milliseconds, zap and structlog epoch seconds (with a fraction): 1e11 s is
                    // the year 5138 and 1e11 ms is 1973, so the size tells them apart.
                    var ms = number >= 1e11 ? number : number * 1000;
                    if (ms > 253_402_300_799_000) break;
                    time = DateTimeOffset.FromUnixTimeMilliseconds((long)ms).AddTicks((long)((ms % 1) * TimeSpan.TicksPerMillisecond));
                    return true;
            }
        }
        return false;
    }

    private static bool TryIso(string text, TimeZoneInfo zone, out DateTimeOffset time)
    {
        time = default;
        // Python's logging writes a comma before milliseconds, many loggers a space between date and time.
        var normal = text.Replace(',', '.').Replace(' ', 'T');
        var offset = OffsetAt().Match(normal);
        if (offset.Success)
        {
            var zoned = normal[..offset.Index].TrimEnd('T') + (offset.Value[^1] == 'Z' ? "Z" : offset.Value.TrimStart('T')[..3] + ":" + offset.Value[^2..]);
            if (!DateTimeOffset.TryParse(zoned, CultureInfo.InvariantCulture, DateTimeStyles.None, out var written)) return false;
            time = written.ToUniversalTime();
            return true;
        }
        return DateTime.TryParse(normal, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) && Local(local, zone, out time);
    }

    private static bool Local(DateTime local, TimeZoneInfo zone, out DateTimeOffset time)
    {
        time = default;
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(unspecified)) return false;
        time = new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified)).ToUniversalTime();
        return true;
    }

    private static int FirstNonSpace(string text)
    {
        var i = 0;
        while (i < text.Length && text[i] == ' ') i++;
        return i;
    }

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    // [Nest] 1234  - 11/29/2026, 10:00:00 AM     LOG [NestFactory] ...
    [GeneratedRegex(@"^\[Nest\] \d+ +- +(?<t>\d[\d/.,: ]*?\d(?: ?[AP]M)?) +(?:LOG|ERROR|WARN|DEBUG|VERBOSE|FATAL)\b")]
    private static partial Regex Nest();

    // An RFC 5424 header (<PRI>VERSION), a systemd priority (<6>), a level (INFO, [warn], info:), or a bracket, then the time.
    [GeneratedRegex(@"^(?:<\d{1,3}>(?:\d{1,2} )?)?(?:\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|trace|debug|info|warn|warning|error|fatal|critical|trce|dbug|fail|crit)\]?:? +)?\[?(?<t>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?: ?(?:Z|[+-]\d\d:?\d\d))?)(?![\d:])")]
    private static partial Regex Iso();

    // RFC 3164: an optional <PRI>, then "Nov 29 10:00:00" (a day below 10 padded with a space).
    [GeneratedRegex(@"^(?:<\d{1,3}>)?(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?<day>[ \d]\d) (?<hms>\d\d:\d\d:\d\d)\b")]
    private static partial Regex Bsd();

    // ASP.NET Core's console formatters with TimestampFormat "HH:mm:ss ": simple puts the level after it, systemd a <PRI> before it.
    [GeneratedRegex(@"^(?:<\d>(?<t>\d\d:\d\d:\d\d(?:\.\d{1,7})?) |(?<t>\d\d:\d\d:\d\d(?:\.\d{1,7})?) +(?:trce|dbug|info|warn|fail|crit): )")]
    private static partial Regex TimeOfDay();

    [GeneratedRegex(@"T?(?:Z|[+-]\d\d:?\d\d)$")]
    private static partial Regex OffsetAt();
}
