namespace Ballast.Core.Monitoring;

/// <summary>Uptime and latency over a range, read from aggregates (never from raw results).</summary>
/// <param name="Checks">Checks in the range.</param>
/// <param name="Up">Passing checks.</param>
/// <param name="AvgLatencyMs">Mean latency; null without checks.</param>
/// <param name="P95LatencyMs">95th percentile latency (upper bound of its histogram bucket); null without checks.</param>
public sealed record UptimeSummary(long Checks, long Up, double? AvgLatencyMs, double? P95LatencyMs)
{
    public static readonly UptimeSummary Empty = new(0, 0, null, null);

    /// <summary>Fraction of passing checks, or null when nothing was checked.</summary>
    public double? Uptime => Checks == 0 ? null : (double)Up / Checks;
}

/// <summary>The aggregate rows a series is read from: per minute (kept as long as raw results), per hour, per day.</summary>
public enum AggregateResolution
{
    Minute = 0,
    Hour = 1,
    Day = 2,
}

/// <summary>One monitor's checks in one aggregate bucket (UTC minute, hour or day starting at <see cref="Start"/>).</summary>
/// <param name="P50LatencyMs">Median latency (upper bound of its histogram bucket); null without checks.</param>
/// <param name="P95LatencyMs">95th percentile latency, likewise.</param>
public sealed record UptimeBucket(string Monitor, DateTimeOffset Start, long Checks, long Up, double? P50LatencyMs, double? P95LatencyMs)
{
    /// <summary>Fraction of passing checks, or null when nothing was checked.</summary>
    public double? Uptime => Checks == 0 ? null : (double)Up / Checks;
}

/// <summary>
/// Ballast's memory of monitoring: results, aggregates, statuses and incidents. Implemented on SQLite and PostgreSQL
/// (Ballast.Storage); the engine only ever writes through <see cref="IMonitoringSink"/>, never waiting on this.
/// </summary>
public interface IMonitoringStore : IAsyncDisposable
{
    /// <summary>Writes one batch in one transaction: raw results, aggregates, statuses, incidents.</summary>
    Task WriteAsync(IReadOnlyList<CheckRecord> batch, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<string, MonitorStatus>> LoadStatusesAsync(CancellationToken cancellationToken = default);

    /// <summary>Incidents, newest first; <paramref name="open"/> filters open (true) or resolved (false) ones.</summary>
    Task<IReadOnlyList<Incident>> ListIncidentsAsync(bool? open = null, string? monitor = null, int limit = 500, CancellationToken cancellationToken = default);

    /// <summary>One incident by its id, open or resolved; null when there is none (never was, or pruned).</summary>
    Task<Incident?> IncidentAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every incident that started in [<paramref name="from"/>, <paramref name="to"/>), open or resolved, oldest first:
    /// what the success report counts.
    /// </summary>
    Task<IReadOnlyList<Incident>> IncidentsStartedAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Raw results of one monitor since a time, oldest first.</summary>
    Task<IReadOnlyList<CheckResult>> ReadResultsAsync(string monitor, DateTimeOffset since, int limit = 10_000, CancellationToken cancellationToken = default);

    /// <summary>The latest <paramref name="count"/> raw results of one monitor, newest first (what the monitor page lists).</summary>
    Task<IReadOnlyList<CheckResult>> RecentResultsAsync(string monitor, int count, CancellationToken cancellationToken = default);

    /// <summary>Uptime of every monitor over [from, to), at the coarsest granularity that fits the range.</summary>
    Task<IReadOnlyDictionary<string, UptimeSummary>> UptimeAsync(DateTimeOffset from, DateTimeOffset to, string? monitor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uptime and latency per bucket of <paramref name="resolution"/> over [from, to), for the monitors named (all when
    /// null), in one query: ordered by monitor, then time; buckets without checks are absent. What the dashboard's
    /// 90-day bars and latency charts and the status pages draw.
    /// </summary>
    Task<IReadOnlyList<UptimeBucket>> UptimeSeriesAsync(DateTimeOffset from, DateTimeOffset to, AggregateResolution resolution,
        IReadOnlyCollection<string>? monitors = null, CancellationToken cancellationToken = default);

    /// <summary>Marks an open incident acknowledged; false when there is no such open incident.</summary>
    Task<bool> AcknowledgeAsync(string incidentId, DateTimeOffset at, string by, CancellationToken cancellationToken = default);

    /// <summary>Deletes raw results older than <paramref name="before"/> (aggregates stay); returns how many.</summary>
    Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>Deletes incidents resolved before <paramref name="resolvedBefore"/> (open ones stay); returns how many.</summary>
    Task<long> PruneIncidentsAsync(DateTimeOffset resolvedBefore, CancellationToken cancellationToken = default);
}
