using Cronos;

namespace Ballast.Core.Config;

/// <summary>
/// A <c>schedule</c> (cron) and the <c>time_zone</c> it is read in, as the heartbeat monitors and the maintenance
/// windows both take them: parsed when each key is set (at load, or in a <c>with</c>), so nothing parses a cron string
/// or looks a zone up on the paths that run for every check and every alert.
/// </summary>
public readonly record struct CronSchedule
{
    /// <summary>No schedule, in UTC: the keys' defaults.</summary>
    public CronSchedule()
    {
    }

    /// <summary>The cron text as written, or null.</summary>
    public string? Text { get; private init; }

    /// <summary>The parsed <see cref="Text"/>, when one is set and valid.</summary>
    public CronExpression? Cron { get; private init; }

    /// <summary>The time zone's id as written.</summary>
    public string ZoneId { get; private init; } = "UTC";

    /// <summary>The zone (UTC when unknown, which <see cref="Validate"/> reports).</summary>
    public TimeZoneInfo Zone { get; private init; } = TimeZoneInfo.Utc;

    public CronSchedule WithText(string? text) => this with { Text = text, Cron = Config.Cron.ParseOrNull(text) };

    public CronSchedule WithZone(string id) => this with { ZoneId = id, Zone = TimeZones.FindOrUtc(id) };

    /// <summary>Reports a cron text that does not parse and a zone that does not exist, under the keys that hold them.</summary>
    public void Validate(ConfigValidation validation)
    {
        if (Text is not null && !Config.Cron.TryParse(Text, out _, out var error)) validation.Error("schedule", error);
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(ZoneId, out _)) validation.Error("time_zone", $"\"{ZoneId}\" is not a known time zone");
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
