using System.ComponentModel;

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
    public string? Schedule { get => _schedule.Text; init => _schedule = _schedule.WithText(value); }

    [Description("IANA time zone of schedule.")]
    public string TimeZone { get => _schedule.ZoneId; init => _schedule = _schedule.WithZone(value); }

    // Parsed when the keys are set (at load): IsOpen runs for every alert and every status shown.
    private readonly CronSchedule _schedule = new();

    [Description("How long each window lasts.")]
    public required TimeSpan Duration { get; init; }

    /// <summary>Whether the window covers <paramref name="monitor"/> at all.</summary>
    public bool Covers(MonitorConfig monitor) =>
        Monitors.Any(glob => Glob.IsMatch(glob, monitor.Name)) || Tags.Any(monitor.Tags.Contains);

    /// <summary>Whether a window is open at <paramref name="now"/>.</summary>
    public bool IsOpen(DateTimeOffset now)
    {
        if (Start is { } start) return now >= start && now < start + Duration;
        return _schedule.Cron is { } cron && cron.GetOccurrences(now - Duration, now, _schedule.Zone, fromInclusive: false, toInclusive: true).Any();
    }

    /// <summary>The window open at <paramref name="now"/>, else the next one to open, as its start and end; null when none is to come.</summary>
    public (DateTimeOffset Start, DateTimeOffset End)? CurrentOrNext(DateTimeOffset now)
    {
        if (Start is { } start) return now < start + Duration ? (start, start + Duration) : null;
        if (_schedule.Cron is not { } cron) return null;
        foreach (var open in cron.GetOccurrences(now - Duration, now, _schedule.Zone, fromInclusive: false, toInclusive: true))
            return (open, open + Duration);
        return cron.GetNextOccurrence(now, _schedule.Zone) is { } next ? (next, next + Duration) : null;
    }

    public void Validate(ConfigValidation validation)
    {
        if (Start is null == Schedule is null) validation.Error(null, "needs exactly one of start (one-off) or schedule (recurring)");
        if (Duration <= TimeSpan.Zero) validation.Error("duration", "must be more than 0s");
        if (Monitors.Count == 0 && Tags.Count == 0) validation.Error(null, "selects no monitors: give monitors (globs) or tags");
        _schedule.Validate(validation);
    }
}
