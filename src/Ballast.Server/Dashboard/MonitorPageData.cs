using System.Globalization;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;

namespace Ballast.Server.Dashboard;

/// <summary>A range the monitor page's latency chart offers, and the aggregate rows it is drawn from.</summary>
public sealed record ChartRange(string Name, string Label, TimeSpan Span, AggregateResolution Resolution)
{
    /// <summary>Minute rows serve ranges up to 6 hours, hour rows up to 8 days, day rows beyond (docs/ARCHITECTURE.md, Storage).</summary>
    public static readonly IReadOnlyList<ChartRange> All =
    [
        new("24h", "24 hours", TimeSpan.FromHours(24), AggregateResolution.Hour),
        new("7d", "7 days", TimeSpan.FromDays(7), AggregateResolution.Hour),
        new("30d", "30 days", TimeSpan.FromDays(30), AggregateResolution.Day),
    ];

    /// <summary>The range named <paramref name="name"/>, or 24 hours.</summary>
    public static ChartRange Of(string? name) => All.FirstOrDefault(r => r.Name == name) ?? All[0];
}

/// <summary>Everything the monitor page shows that comes from storage.</summary>
/// <param name="Uptimes">Uptime per period: 24 h, 7 d, 30 d, 90 d.</param>
public sealed record MonitorHistory(
    IReadOnlyList<UptimeBucket> Series,
    IReadOnlyList<(string Period, UptimeSummary Summary)> Uptimes,
    IReadOnlyList<CheckResult> Recent,
    IReadOnlyList<Incident> Incidents)
{
    public static readonly MonitorHistory Empty = new([], [], [], []);

    private static readonly (string Period, TimeSpan Span)[] Periods =
        [("24 hours", TimeSpan.FromHours(24)), ("7 days", TimeSpan.FromDays(7)), ("30 days", TimeSpan.FromDays(30)), ("90 days", TimeSpan.FromDays(90))];

    public const int RecentChecks = 20;

    /// <summary>Reads the chart's series, the uptimes, the latest checks and the incidents of one monitor.</summary>
    public static async Task<MonitorHistory> LoadAsync(IMonitoringStore store, string monitor, ChartRange range, DateTimeOffset now, CancellationToken ct)
    {
        var series = await store.UptimeSeriesAsync(now - range.Span, now, range.Resolution, [monitor], ct);
        var uptimes = new List<(string, UptimeSummary)>();
        foreach (var (period, span) in Periods)
            uptimes.Add((period, (await store.UptimeAsync(now - span, now, monitor, ct)).GetValueOrDefault(monitor) ?? UptimeSummary.Empty));
        var recent = await store.RecentResultsAsync(monitor, RecentChecks, ct);
        var incidents = await store.ListIncidentsAsync(monitor: monitor, limit: 20, cancellationToken: ct);
        return new MonitorHistory(series, uptimes, recent, incidents);
    }

    /// <summary>
    /// The chart's series as the attributes <c>monitor-chart.js</c> reads: Unix seconds, and p50 and p95 in ms with
    /// an empty item for a bucket without checks (the content security policy allows no inline script, so the data
    /// travels in attributes).
    /// </summary>
    public (string Times, string P50, string P95) ChartData() => (
        string.Join(",", Series.Select(b => b.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))),
        string.Join(",", Series.Select(b => Number(b.P50LatencyMs))),
        string.Join(",", Series.Select(b => Number(b.P95LatencyMs))));

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "";
}

/// <summary>What the monitor page says about the config a monitor runs with.</summary>
public static class MonitorConfigText
{
    /// <summary>
    /// The monitor's config as <see cref="ConfigPrinter"/> prints it (<c>[Secret]</c> values as <c>***</c>), with header
    /// values, a URL's user information and every value taken from the environment (<c>${VAR}</c>) masked too: those
    /// are where credentials live.
    /// </summary>
    public static string Render(MonitorConfig monitor, BallastConfig config)
    {
        if (monitor is HttpMonitorConfig http)
            monitor = http with
            {
                Headers = http.Headers.ToDictionary(h => h.Key, _ => "***", StringComparer.OrdinalIgnoreCase),
                Url = string.IsNullOrEmpty(http.Url.UserInfo) ? http.Url : new UriBuilder(http.Url) { UserName = "***", Password = "" }.Uri,
            };
        var text = ConfigPrinter.Render(monitor);
        // The printer quotes (a " becomes \") and a URL prints escaped (% becomes %25): each value is masked in every
        // form it can take in the text, longest first so no part of a longer one is left.
        var forms = config.References.Values.SelectMany(r => r.Values).Where(v => v.Length >= 3)
            .SelectMany(v => new[] { v, v.Replace("\"", "\\\"", StringComparison.Ordinal), Uri.EscapeDataString(v), EscapedInUrl(v) })
            .Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length);
        foreach (var form in forms) text = text.Replace(form, "***", StringComparison.Ordinal);
        return text;
    }

    private static string EscapedInUrl(string value) =>
        Uri.TryCreate("http://h/" + value, UriKind.Absolute, out var uri) ? uri.PathAndQuery[1..] : value;
}
