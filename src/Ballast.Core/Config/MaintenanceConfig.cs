using System.ComponentModel;
using Cronos;

namespace Ballast.Core.Config;

/// <summary>
/// One entry of <c>maintenance:</c>: a window when the selected monitors are still checked and recorded, but show
/// MAINTENANCE and send no alerts. Either one-off (<c>start</c>) or recurring (<c>schedule</c>), for <c>duration</c>.
/// </summary>
public sealed record MaintenanceWindowConfig : IValidatableConfig
{
    [Description("Name shown in the API.")]
    public required string Name { get; init; }

    [Description("Monitor name globs (* and ?) the window covers.")]
    public IReadOnlyList<string> Monitors { get; init; } = [];

    [Description("The window also covers monitors carrying any of these tags.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("One-off window: when it starts (ISO 8601).")]
    public DateTimeOffset? Start { get; init; }

    [Description("Recurring window: cron expression of when it starts (5 fields, or 6 with seconds).")]
    public string? Schedule
    {
        get => _schedule;
        init
        {
            _schedule = value;
            _cron = Cron.ParseOrNull(value);
        }
    }

    [Description("IANA time zone of schedule.")]
    public string TimeZone
    {
        get => _timeZone;
        init
        {
            _timeZone = value;
            _zone = TimeZones.FindOrUtc(value);
        }
    }

    // Parsed when the keys are set (at load): IsOpen runs for every alert and every status shown.
    private readonly string? _schedule;
    private readonly CronExpression? _cron;
    private readonly string _timeZone = "UTC";
    private readonly TimeZoneInfo _zone = TimeZoneInfo.Utc;

    [Description("How long each window lasts.")]
    public required TimeSpan Duration { get; init; }

    /// <summary>Whether the window covers <paramref name="monitor"/> at all.</summary>
    public bool Covers(MonitorConfig monitor) =>
        Monitors.Any(glob => Glob.IsMatch(glob, monitor.Name)) || Tags.Any(monitor.Tags.Contains);

    /// <summary>Whether a window is open at <paramref name="now"/>.</summary>
    public bool IsOpen(DateTimeOffset now)
    {
        if (Start is { } start) return now >= start && now < start + Duration;
        return _cron is not null && _cron.GetOccurrences(now - Duration, now, _zone, fromInclusive: false, toInclusive: true).Any();
    }

    public void Validate(ConfigValidation validation)
    {
        if (Start is null == Schedule is null) validation.Error(null, "needs exactly one of start (one-off) or schedule (recurring)");
        if (Schedule is not null && !Cron.TryParse(Schedule, out _, out var error)) validation.Error("schedule", error);
        if (Duration <= TimeSpan.Zero) validation.Error("duration", "must be more than 0s");
        if (Monitors.Count == 0 && Tags.Count == 0) validation.Error(null, "selects no monitors: give monitors (globs) or tags");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _)) validation.Error("time_zone", $"\"{TimeZone}\" is not a known time zone");
    }
}

/// <summary>Cron expressions as Ballast accepts them: 5 fields, or 6 with seconds first.</summary>
public static class Cron
{
    public static bool TryParse(string text, out CronExpression cron, out string error)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        error = "";
        try
        {
            cron = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return true;
        }
        catch (CronFormatException e)
        {
            cron = null!;
            error = $"\"{text}\" is not a cron expression: {e.Message}";
            return false;
        }
    }

    /// <summary>The expression, or null when there is none or it is invalid (validation reports that one).</summary>
    public static CronExpression? ParseOrNull(string? text) => text is not null && TryParse(text, out var cron, out _) ? cron : null;
}

/// <summary>IANA time zones as the config names them.</summary>
public static class TimeZones
{
    /// <summary>The zone, or UTC when it is unknown (validation reports that one).</summary>
    public static TimeZoneInfo FindOrUtc(string id) => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
