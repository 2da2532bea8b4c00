using System.ComponentModel;
using System.Text.RegularExpressions;

namespace Ballast.Core.Config;

/// <summary>The <c>alerting:</c> section: who hears about an incident, and how often.</summary>
public sealed record AlertingConfig : IValidatableConfig
{
    [Description("Ordered routes; the first that matches decides the channels (unless it says continue). A route without match catches everything.")]
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    [Description("Send again while an incident stays open and unacknowledged; 0s never repeats.")]
    public TimeSpan RepeatEvery { get; init; } = TimeSpan.FromHours(1);

    [Description("Send a message when an incident resolves, with how long it lasted.")]
    public bool SendResolved { get; init; } = true;

    [Description("Incidents opened within this window on the same route go out as one message listing them all.")]
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(5);

    [Description("How long a notification is retried before it is marked failed.")]
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromHours(24);

    [Description("A monitor that goes down or up this many times within flap_window is reported once as FLAPPING, and its messages are held until it settles; 0 turns this off.")]
    public int FlapThreshold { get; init; } = 6;

    [Description("The window flap_threshold counts in; a flapping monitor has settled after this long without a change.")]
    public TimeSpan FlapWindow { get; init; } = TimeSpan.FromMinutes(10);

    public void Validate(ConfigValidation validation)
    {
        if (RepeatEvery < TimeSpan.Zero) validation.Error("repeat_every", "must be 0s (never) or more");
        if (RepeatEvery > TimeSpan.Zero && RepeatEvery < TimeSpan.FromMinutes(1)) validation.Error("repeat_every", "must be 0s (never) or at least 1m");
        if (GroupWait < TimeSpan.Zero || GroupWait > TimeSpan.FromMinutes(5)) validation.Error("group_wait", "must be between 0s and 5m");
        if (GiveUpAfter < TimeSpan.FromMinutes(1)) validation.Error("give_up_after", "must be at least 1m");
        if (FlapThreshold is < 0 or 1 or 2) validation.Error("flap_threshold", "must be 0 (off) or at least 3");
        if (FlapWindow < TimeSpan.FromSeconds(10)) validation.Error("flap_window", "must be at least 10s");
    }
}

/// <summary>One entry of <c>alerting.routes</c>.</summary>
public sealed record RouteConfig
{
    [Description("What the route applies to; every given field must match. Without it the route matches everything.")]
    public RouteMatchConfig? Match { get; init; }

    [Description("Channel names to notify.")]
    public required IReadOnlyList<string> Channels { get; init; }

    [Description("Keep evaluating later routes after this one matched.")]
    public bool Continue { get; init; }
}

/// <summary><c>match:</c> of a route.</summary>
public sealed record RouteMatchConfig : IValidatableConfig
{
    [Description("Only monitors of this severity.")]
    public Severity? Severity { get; init; }

    [Description("Only monitors carrying all of these tags.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("Only monitors whose name matches this glob (* and ?), e.g. api-*.")]
    public string? Monitor { get; init; }

    public bool Matches(MonitorConfig monitor) =>
        (Severity is null || monitor.Severity == Severity)
        && Tags.All(monitor.Tags.Contains)
        && (Monitor is null || Glob.IsMatch(Monitor, monitor.Name));

    public void Validate(ConfigValidation validation)
    {
        if (Severity is null && Tags.Count == 0 && Monitor is null)
            validation.Error(null, "matches everything; leave match out for a catch-all route");
    }
}

/// <summary>Name patterns with <c>*</c> (any run of characters) and <c>?</c> (one character).</summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string name) =>
        Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
}
