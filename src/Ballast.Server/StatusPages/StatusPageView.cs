using Ballast.Core.StatusPages;

namespace Ballast.Server.StatusPages;

/// <summary>A component's state in the words a status page uses; nothing about why.</summary>
public enum PublicState
{
    Operational,
    Outage,
    Maintenance,
    NoData,
}

/// <summary>
/// Everything a status page shows, built from the config, the engine's states, the aggregates and the public messages
/// at <see cref="BuiltAt"/>, and nothing else: the page and the feed render only this, so nothing internal can reach
/// them by accident. <see cref="ETag"/> changes exactly when what is shown does.
/// </summary>
public sealed record StatusPageView(
    string Slug,
    string Title,
    string? Description,
    string Overall,
    PublicState OverallState,
    IReadOnlyList<StatusGroupView> Groups,
    IReadOnlyList<PublicMessage> Open,
    IReadOnlyList<PublicMessage> Resolved,
    IReadOnlyList<MaintenanceView> Maintenance,
    DateTimeOffset BuiltAt,
    DateTimeOffset LastModified,
    string ETag,
    string Feed);

/// <summary>A section of a status page.</summary>
public sealed record StatusGroupView(string Name, IReadOnlyList<StatusComponentView> Components);

/// <summary>A component under its public name, its state now, one bar per UTC day (oldest first) and its uptime over them.</summary>
public sealed record StatusComponentView(string Name, PublicState State, IReadOnlyList<DayBar> Days, double? Uptime);

/// <summary>One day's uptime (null: not checked that day).</summary>
public readonly record struct DayBar(DateOnly Day, double? Uptime);

/// <summary>A maintenance window covering components of the page, ongoing or to come.</summary>
public sealed record MaintenanceView(DateTimeOffset Start, DateTimeOffset End, bool Ongoing, IReadOnlyList<string> Components);

/// <summary>The words the public reads.</summary>
public static class PublicWords
{
    public const string AllOperational = "All systems operational";
    public const string PartialOutage = "Partial outage";
    public const string MajorOutage = "Major outage";
    public const string UnderMaintenance = "Under maintenance";

    public static string Of(PublicState state) => state switch
    {
        PublicState.Operational => "Operational",
        PublicState.Outage => "Outage",
        PublicState.Maintenance => "Under maintenance",
        _ => "No data yet",
    };

    public static string Of(PublicMessageState state) => state switch
    {
        PublicMessageState.Investigating => "Investigating",
        PublicMessageState.Identified => "Identified",
        PublicMessageState.Monitoring => "Monitoring",
        _ => "Resolved",
    };

    /// <summary>The page's overall sentence from its components' states.</summary>
    public static (string Sentence, PublicState State) Overall(IReadOnlyCollection<PublicState> states)
    {
        var down = states.Count(s => s == PublicState.Outage);
        if (down > 0 && down == states.Count(s => s != PublicState.NoData)) return (MajorOutage, PublicState.Outage);
        if (down > 0) return (PartialOutage, PublicState.Outage);
        if (states.Contains(PublicState.Maintenance)) return (UnderMaintenance, PublicState.Maintenance);
        return (AllOperational, PublicState.Operational);
    }
}
