using System.Globalization;
using System.Runtime.CompilerServices;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;

namespace Ballast.Server.Dashboard;

/// <summary>One monitor as the overview lists it: what the engine holds, and the state shown (MAINTENANCE in an open window).</summary>
public sealed record MonitorRow(MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident, MonitorState Shown)
{
    /// <summary>The state as <c>StateBadge</c> and the live updates spell it.</summary>
    public string ShownText => Shown.ToString().ToUpperInvariant();
}

/// <summary>
/// The overview's filters as they travel in the URL (<c>?tag=&amp;state=&amp;q=&amp;page=</c>), so a filtered list can be
/// bookmarked, reloaded and shared, and works without a script.
/// </summary>
/// <param name="State">A state in lower case, or <c>incident</c> for monitors with an open incident.</param>
/// <param name="Page">1-based.</param>
public sealed record OverviewFilter(string? Tag, string? State, string? Text, int Page)
{
    public const int PageSize = 100;

    /// <summary>What the state filter offers, in the order the list sorts by.</summary>
    public static readonly IReadOnlyList<string> States = ["incident", "down", "pending", "up", "maintenance", "unknown", "paused"];

    public bool IsFiltered => !string.IsNullOrEmpty(Tag) || !string.IsNullOrEmpty(State) || !string.IsNullOrEmpty(Text);

    /// <summary>The overview's URL for page <paramref name="page"/> with these filters.</summary>
    public string Url(int page)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(Tag)) parts.Add("tag=" + Uri.EscapeDataString(Tag));
        if (!string.IsNullOrEmpty(State)) parts.Add("state=" + Uri.EscapeDataString(State));
        if (!string.IsNullOrEmpty(Text)) parts.Add("q=" + Uri.EscapeDataString(Text));
        if (page > 1) parts.Add("page=" + page.ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "/" : "/?" + string.Join("&", parts);
    }
}

/// <summary>One page of the overview: its rows, how many matched, and the page numbers that exist.</summary>
public sealed record OverviewPage(IReadOnlyList<MonitorRow> Rows, int Matched, int Total, int Page, int Pages)
{
    /// <summary>1-based position of the first row shown (0 when none).</summary>
    public int First => Rows.Count == 0 ? 0 : (Page - 1) * OverviewFilter.PageSize + 1;

    public int Last => First == 0 ? 0 : First + Rows.Count - 1;
}

/// <summary>
/// Filters, sorts and pages the engine's monitors for the overview, in memory: 10,000 monitors are a few milliseconds
/// here, and only the page's monitors then go to storage for their bars.
/// </summary>
public static class MonitorList
{
    /// <summary>Rows of every monitor, MAINTENANCE for those in an open window.</summary>
    public static IReadOnlyList<MonitorRow> Rows(IReadOnlyList<(MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)> snapshot,
        BallastConfig config, DateTimeOffset now)
    {
        // Each window's schedule is worked out once per request, not once per monitor.
        var open = config.Maintenance.Where(w => w.IsOpen(now)).ToArray();
        return snapshot.Select(m => new MonitorRow(m.Config, m.Status, m.OpenIncident,
            open.Length > 0 && open.Any(w => w.Covers(m.Config)) ? MonitorState.Maintenance : m.Status.State)).ToArray();
    }

    /// <summary>
    /// The rows <paramref name="filter"/> selects, open incidents first, then down, pending, up and the rest, by name.
    /// <paramref name="rows"/> come in name order (the engine's snapshot is), so putting each row in its rank's list, in
    /// turn, keeps names in order within each rank without comparing 10,000 names on every request.
    /// </summary>
    public static OverviewPage Select(IReadOnlyList<MonitorRow> rows, OverviewFilter filter)
    {
        IEnumerable<MonitorRow> matched = rows;
        if (!string.IsNullOrEmpty(filter.Tag)) matched = matched.Where(r => r.Config.Tags.Contains(filter.Tag, StringComparer.Ordinal));
        if (filter.State == "incident") matched = matched.Where(r => r.OpenIncident is not null);
        else if (Enum.TryParse<MonitorState>(filter.State, ignoreCase: true, out var state)) matched = matched.Where(r => r.Shown == state);
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim();
            matched = matched.Where(r => r.Config.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
                || r.Config.Tags.Any(t => t.Contains(text, StringComparison.OrdinalIgnoreCase)));
        }
        var ranks = new List<MonitorRow>[7];
        foreach (var row in matched) (ranks[Rank(row)] ??= []).Add(row);
        var sorted = ranks.Where(r => r is not null).SelectMany(r => r).ToArray();
        var pages = Math.Max(1, (sorted.Length + OverviewFilter.PageSize - 1) / OverviewFilter.PageSize);
        var page = Math.Clamp(filter.Page, 1, pages);
        return new OverviewPage(sorted.Skip((page - 1) * OverviewFilter.PageSize).Take(OverviewFilter.PageSize).ToArray(), sorted.Length, rows.Count, page, pages);
    }

    /// <summary>How many monitors each state filter would show, in the filter's order, leaving out those with none.</summary>
    public static IReadOnlyList<(string State, int Count)> Counts(IReadOnlyList<MonitorRow> rows)
    {
        var byState = new int[Enum.GetValues<MonitorState>().Length];
        var incidents = 0;
        foreach (var row in rows)
        {
            byState[(int)row.Shown]++;
            if (row.OpenIncident is not null) incidents++;
        }
        return OverviewFilter.States
            .Select(s => (s, s == "incident" ? incidents : byState[(int)Enum.Parse<MonitorState>(s, ignoreCase: true)]))
            .Where(c => c.Item2 > 0).ToArray();
    }

    /// <summary>Every tag some monitor of <paramref name="config"/> carries, sorted: what the tag filter offers. Worked out once per config.</summary>
    public static IReadOnlyList<string> Tags(BallastConfig config) =>
        TagsOf.GetValue(config, c => c.Monitors.SelectMany(m => m.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    private static readonly ConditionalWeakTable<BallastConfig, IReadOnlyList<string>> TagsOf = new();

    private static int Rank(MonitorRow row) => row.OpenIncident is not null ? 0 : row.Shown switch
    {
        MonitorState.Down => 1,
        MonitorState.Pending => 2,
        MonitorState.Up => 3,
        MonitorState.Maintenance => 4,
        MonitorState.Unknown => 5,
        _ => 6,
    };
}
