using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Ballast.Core.Monitoring;

namespace Ballast.Storage.Monitoring;

/// <summary>
/// <see cref="IMonitoringStore"/> in SQL shared by SQLite and PostgreSQL. Every value is a parameter; the dialect
/// decides how many rows travel in one statement.
/// </summary>
public sealed class SqlMonitoringStore(SqlDialect dialect) : IMonitoringStore
{
    private static readonly string HistogramColumns = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"a.h{i}"));
    private static readonly string HistogramSums = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"SUM(h{i})"));
    private static readonly string HistogramAdds = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"h{i} = aggregates.h{i} + excluded.h{i}"));

    private readonly ConcurrentDictionary<string, long> _monitorIds = new(StringComparer.Ordinal);
    private readonly Dictionary<long, long> _lastStartedAt = []; // only the single writer writes, so no lock

    public SqlDialect Dialect => dialect;

    public async Task WriteAsync(IReadOnlyList<CheckRecord> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0) return;
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var newIds = await EnsureMonitorIdsAsync(connection, tx, batch.Select(r => r.Result.Monitor).Distinct(StringComparer.Ordinal), cancellationToken);
        long Id(string name) => _monitorIds.TryGetValue(name, out var id) ? id : newIds[name];

        var lastStartedAt = new Dictionary<long, long>();
        await InsertResultsAsync(connection, tx, batch, Id, lastStartedAt, cancellationToken);
        await UpsertAggregatesAsync(connection, tx, batch, Id, cancellationToken);
        await UpsertStatusesAsync(connection, tx, batch, cancellationToken);
        await UpsertIncidentsAsync(connection, tx, batch, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        // Remembered only once committed, so a retried batch is written exactly as the first attempt meant to.
        foreach (var (name, id) in newIds) _monitorIds[name] = id;
        foreach (var (monitor, at) in lastStartedAt) _lastStartedAt[monitor] = at;
    }

    private async Task<Dictionary<string, long>> EnsureMonitorIdsAsync(DbConnection connection, DbTransaction tx, IEnumerable<string> names, CancellationToken ct)
    {
        var created = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (_monitorIds.ContainsKey(name)) continue;
            await using var insert = Command(connection, tx, "INSERT INTO monitors (name) VALUES (@name) ON CONFLICT (name) DO NOTHING");
            Sql.Parameter(insert, "@name", name);
            await insert.ExecuteNonQueryAsync(ct);
            await using var select = Command(connection, tx, "SELECT id FROM monitors WHERE name = @name");
            Sql.Parameter(select, "@name", name);
            created[name] = Convert.ToInt64(await select.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
        return created;
    }

    // A clash can only come from a clock stepped back across a restart; skipping that row beats failing the batch forever.
    private static readonly RowStatement ResultRows = new("check_results", ["monitor_id", "started_at", "latency_us", "passed", "status", "cause"],
        "ON CONFLICT (monitor_id, started_at) DO NOTHING");

    private static readonly RowStatement AggregateRows = new("aggregates",
        ["monitor_id", "resolution", "bucket", "checks", "up", "latency_sum_us", .. Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"h{i}")],
        "ON CONFLICT (monitor_id, resolution, bucket) DO UPDATE SET checks = aggregates.checks + excluded.checks, " +
        "up = aggregates.up + excluded.up, latency_sum_us = aggregates.latency_sum_us + excluded.latency_sum_us, " + HistogramAdds);

    private static readonly RowStatement StatusRows = new("monitor_status",
        ["monitor", "state", "consecutive_failures", "consecutive_successes", "first_failure_at", "incident_id", "last_check_at",
         "last_latency_ms", "last_error", "last_success_at", "changed_at"],
        "ON CONFLICT (monitor) DO UPDATE SET state = excluded.state, consecutive_failures = excluded.consecutive_failures, " +
        "consecutive_successes = excluded.consecutive_successes, first_failure_at = excluded.first_failure_at, incident_id = excluded.incident_id, " +
        "last_check_at = excluded.last_check_at, last_latency_ms = excluded.last_latency_ms, last_error = excluded.last_error, " +
        "last_success_at = excluded.last_success_at, changed_at = excluded.changed_at");

    private static readonly RowStatement IncidentRows = new("incidents", ["id", "monitor", "started_at", "detected_at", "resolved_at", "cause"],
        "ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at");

    private Task InsertResultsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, Func<string, long> id,
        Dictionary<long, long> lastStartedAt, CancellationToken ct) =>
        dialect.ExecuteRowsAsync(connection, tx, ResultRows, batch.Select(record =>
        {
            var r = record.Result;
            var monitor = id(r.Monitor);
            // Two checks of one monitor in the same millisecond (a push racing a deadline) get consecutive milliseconds.
            var at = r.StartedAt.ToUnixTimeMilliseconds();
            if ((lastStartedAt.TryGetValue(monitor, out var last) || _lastStartedAt.TryGetValue(monitor, out last)) && at <= last) at = last + 1;
            lastStartedAt[monitor] = at;
            return new object?[] { monitor, at, r.Latency.Ticks / 10, r.Passed ? 1 : 0, r.Status, r.Cause };
        }).ToArray(), ct);

    private Task UpsertAggregatesAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, Func<string, long> id, CancellationToken ct)
    {
        var buckets = new Dictionary<(long Monitor, int Resolution, long Bucket), Aggregate>();
        foreach (var record in batch)
        {
            var r = record.Result;
            var at = r.StartedAt.ToUnixTimeMilliseconds();
            var monitor = id(r.Monitor);
            for (var resolution = 0; resolution < Resolutions.Length; resolution++)
            {
                var key = (monitor, resolution, at - Mod(at, Resolutions[resolution]));
                if (!buckets.TryGetValue(key, out var agg)) buckets[key] = agg = new Aggregate();
                agg.Add(r);
            }
        }
        return dialect.ExecuteRowsAsync(connection, tx, AggregateRows, buckets.Select(b => new object?[]
        {
            b.Key.Monitor, b.Key.Resolution, b.Key.Bucket, b.Value.Checks, b.Value.Up, b.Value.LatencySumUs,
        }.Concat(b.Value.Histogram.Cast<object?>()).ToArray()).ToArray(), ct);
    }

    private Task UpsertStatusesAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, CancellationToken ct)
    {
        var latest = new Dictionary<string, MonitorStatus>(StringComparer.Ordinal);
        foreach (var record in batch)
            if (record.StatusChanged) latest[record.Status.Monitor] = record.Status;
        return dialect.ExecuteRowsAsync(connection, tx, StatusRows, latest.Values.Select(s => new object?[]
        {
            s.Monitor, s.State.ToString(), s.ConsecutiveFailures, s.ConsecutiveSuccesses, Ms(s.FirstFailureAt), s.IncidentId,
            Ms(s.LastCheckAt), s.LastLatencyMs, s.LastError, Ms(s.LastSuccessAt), Ms(s.ChangedAt),
        }).ToArray(), ct);
    }

    private Task UpsertIncidentsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, CancellationToken ct)
    {
        var incidents = new Dictionary<string, Incident>(StringComparer.Ordinal);
        foreach (var record in batch)
            if (record.Incident is { } incident) incidents[incident.Id] = incident;
        return dialect.ExecuteRowsAsync(connection, tx, IncidentRows, incidents.Values.Select(i => new object?[]
        {
            i.Id, i.Monitor, Ms(i.StartedAt), Ms(i.DetectedAt), Ms(i.ResolvedAt), i.Cause,
        }).ToArray(), ct);
    }

    public async Task<IReadOnlyDictionary<string, MonitorStatus>> LoadStatusesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT monitor, state, consecutive_failures, consecutive_successes, first_failure_at, incident_id, last_check_at, last_latency_ms, last_error, last_success_at, changed_at FROM monitor_status");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var statuses = new Dictionary<string, MonitorStatus>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = new MonitorStatus(
                reader.GetString(0),
                Enum.TryParse<MonitorState>(reader.GetString(1), out var state) ? state : MonitorState.Unknown,
                Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture),
                Sql.Time(reader, 4), Sql.Text(reader, 5), Sql.Time(reader, 6),
                reader.IsDBNull(7) ? null : Convert.ToDouble(reader.GetValue(7), CultureInfo.InvariantCulture),
                Sql.Text(reader, 8), Sql.Time(reader, 9), Sql.Time(reader, 10));
            statuses[status.Monitor] = status;
        }
        return statuses;
    }

    public async Task<IReadOnlyList<Incident>> ListIncidentsAsync(bool? open = null, string? monitor = null, int limit = 500, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var where = new List<string>();
        if (open == true) where.Add("resolved_at IS NULL");
        if (open == false) where.Add("resolved_at IS NOT NULL");
        if (monitor is not null) where.Add("monitor = @monitor");
        await using var command = Command(connection, null,
            $"SELECT {IncidentColumns} FROM incidents {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY started_at DESC, id DESC LIMIT {Math.Clamp(limit, 1, 100_000)}");
        if (monitor is not null) Sql.Parameter(command, "@monitor", monitor);
        return await ReadIncidentsAsync(command, cancellationToken);
    }

    private const string IncidentColumns = "id, monitor, started_at, detected_at, resolved_at, cause, acknowledged_at, acknowledged_by";

    public async Task<Incident?> IncidentAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {IncidentColumns} FROM incidents WHERE id = @id");
        Sql.Parameter(command, "@id", id);
        var found = await ReadIncidentsAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<Incident>> IncidentsStartedAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            $"SELECT {IncidentColumns} FROM incidents WHERE started_at >= @from AND started_at < @to ORDER BY started_at, id");
        Sql.Parameter(command, "@from", from.ToUnixTimeMilliseconds());
        Sql.Parameter(command, "@to", to.ToUnixTimeMilliseconds());
        return await ReadIncidentsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<Incident>> ReadIncidentsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var incidents = new List<Incident>();
        while (await reader.ReadAsync(cancellationToken))
            incidents.Add(new Incident(reader.GetString(0), reader.GetString(1), Sql.Time(reader, 2)!.Value, Sql.Time(reader, 3)!.Value, Sql.Time(reader, 4), reader.GetString(5),
                Sql.Time(reader, 6), Sql.Text(reader, 7)));
        return incidents;
    }

    public async Task<IReadOnlyList<CheckResult>> ReadResultsAsync(string monitor, DateTimeOffset since, int limit = 10_000, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT r.started_at, r.latency_us, r.passed, r.status, r.cause FROM check_results r
            JOIN monitors m ON m.id = r.monitor_id
            WHERE m.name = @monitor AND r.started_at >= @since
            ORDER BY r.started_at LIMIT {Math.Clamp(limit, 1, 100_000)}
            """);
        Sql.Parameter(command, "@monitor", monitor);
        Sql.Parameter(command, "@since", since.ToUnixTimeMilliseconds());
        return await ReadResultRowsAsync(command, monitor, cancellationToken);
    }

    public async Task<IReadOnlyList<CheckResult>> RecentResultsAsync(string monitor, int count, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        // Backwards along the (monitor_id, started_at) key: the newest rows cost the same however long the history is.
        await using var command = Command(connection, null, $"""
            SELECT r.started_at, r.latency_us, r.passed, r.status, r.cause FROM check_results r
            WHERE r.monitor_id = (SELECT id FROM monitors WHERE name = @monitor)
            ORDER BY r.started_at DESC LIMIT {Math.Clamp(count, 1, 10_000)}
            """);
        Sql.Parameter(command, "@monitor", monitor);
        return await ReadResultRowsAsync(command, monitor, cancellationToken);
    }

    private static async Task<IReadOnlyList<CheckResult>> ReadResultRowsAsync(DbCommand command, string monitor, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<CheckResult>();
        while (await reader.ReadAsync(cancellationToken))
            results.Add(new CheckResult(monitor, Sql.Time(reader, 0)!.Value,
                TimeSpan.FromTicks(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) * 10),
                Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture) == 1, Sql.Text(reader, 4),
                reader.IsDBNull(3) ? null : Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture)));
        return results;
    }

    public async Task<IReadOnlyDictionary<string, UptimeSummary>> UptimeAsync(DateTimeOffset from, DateTimeOffset to, string? monitor = null, CancellationToken cancellationToken = default)
    {
        var span = to - from;
        var resolution = span <= TimeSpan.FromHours(6) ? 0 : span <= TimeSpan.FromDays(8) ? 1 : 2;
        var start = from.ToUnixTimeMilliseconds();
        start -= Mod(start, Resolutions[resolution]);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT m.name, SUM(a.checks), SUM(a.up), SUM(a.latency_sum_us), {HistogramSums}
            FROM aggregates a JOIN monitors m ON m.id = a.monitor_id
            WHERE a.resolution = @resolution AND a.bucket >= @from AND a.bucket < @to {(monitor is null ? "" : "AND m.name = @monitor")}
            GROUP BY m.name
            """);
        Sql.Parameter(command, "@resolution", resolution);
        Sql.Parameter(command, "@from", start);
        Sql.Parameter(command, "@to", to.ToUnixTimeMilliseconds());
        if (monitor is not null) Sql.Parameter(command, "@monitor", monitor);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, UptimeSummary>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var checks = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            var up = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
            var latencySum = Convert.ToDouble(reader.GetValue(3), CultureInfo.InvariantCulture);
            var histogram = new long[LatencyHistogram.Count];
            for (var i = 0; i < histogram.Length; i++) histogram[i] = Convert.ToInt64(reader.GetValue(4 + i), CultureInfo.InvariantCulture);
            result[reader.GetString(0)] = new UptimeSummary(checks, up,
                checks == 0 ? null : Math.Round(latencySum / checks / 1000.0, 3), LatencyHistogram.Percentile(histogram, 0.95));
        }
        return result;
    }

    public async Task<IReadOnlyList<UptimeBucket>> UptimeSeriesAsync(DateTimeOffset from, DateTimeOffset to, AggregateResolution resolution,
        IReadOnlyCollection<string>? monitors = null, CancellationToken cancellationToken = default)
    {
        if (monitors is { Count: 0 }) return [];
        var size = Resolutions[(int)resolution];
        var start = from.ToUnixTimeMilliseconds();
        start -= Mod(start, size);
        var names = monitors?.Select((_, i) => $"@m{i}").ToArray();
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT m.name, a.bucket, a.checks, a.up, {HistogramColumns}
            FROM aggregates a JOIN monitors m ON m.id = a.monitor_id
            WHERE a.resolution = @resolution AND a.bucket >= @from AND a.bucket < @to {(names is null ? "" : $"AND m.name IN ({string.Join(", ", names)})")}
            ORDER BY m.name, a.bucket
            """);
        Sql.Parameter(command, "@resolution", (int)resolution);
        Sql.Parameter(command, "@from", start);
        Sql.Parameter(command, "@to", to.ToUnixTimeMilliseconds());
        if (monitors is not null)
        {
            var i = 0;
            foreach (var name in monitors) Sql.Parameter(command, $"@m{i++}", name);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<UptimeBucket>();
        var histogram = new long[LatencyHistogram.Count];
        // Every column read is BIGINT on both databases, so typed reads skip boxing: a page of bars is thousands of rows.
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < histogram.Length; i++) histogram[i] = reader.GetInt64(4 + i);
            result.Add(new UptimeBucket(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetInt64(2), reader.GetInt64(3),
                LatencyHistogram.Percentile(histogram, 0.5), LatencyHistogram.Percentile(histogram, 0.95)));
        }
        return result;
    }

    public async Task<bool> AcknowledgeAsync(string incidentId, DateTimeOffset at, string by, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "UPDATE incidents SET acknowledged_at = @at, acknowledged_by = @by WHERE id = @id AND resolved_at IS NULL");
        Sql.Parameter(command, "@at", at.ToUnixTimeMilliseconds());
        Sql.Parameter(command, "@by", by);
        Sql.Parameter(command, "@id", incidentId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var cutoff = before.ToUnixTimeMilliseconds();
        // Per monitor, so each delete walks the (monitor_id, started_at) index instead of the whole table.
        var ids = new List<long>();
        await using (var list = Command(connection, null, "SELECT id FROM monitors"))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) ids.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
        long deleted = 0;
        foreach (var id in ids)
        {
            await using var delete = Command(connection, null, "DELETE FROM check_results WHERE monitor_id = @id AND started_at < @cutoff");
            Sql.Parameter(delete, "@id", id);
            Sql.Parameter(delete, "@cutoff", cutoff);
            deleted += await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        // Minute aggregates live as long as raw results; hourly ones 90 days; daily ones for good.
        await using var aggregates = Command(connection, null,
            "DELETE FROM aggregates WHERE (resolution = 0 AND bucket < @cutoff) OR (resolution = 1 AND bucket < @hourly)");
        Sql.Parameter(aggregates, "@cutoff", cutoff);
        Sql.Parameter(aggregates, "@hourly", cutoff - (long)TimeSpan.FromDays(90).TotalMilliseconds);
        await aggregates.ExecuteNonQueryAsync(cancellationToken);
        return deleted;
    }

    public async Task<long> PruneIncidentsAsync(DateTimeOffset resolvedBefore, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM incidents WHERE resolved_at IS NOT NULL AND resolved_at < @cutoff");
        Sql.Parameter(delete, "@cutoff", resolvedBefore.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (dialect is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    /// <summary>Bucket widths in ms for resolutions 0 (minute), 1 (hour), 2 (day).</summary>
    private static readonly long[] Resolutions = [60_000, 3_600_000, 86_400_000];

    private static long Mod(long value, long m) => ((value % m) + m) % m;

    private static long? Ms(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 120;
        return command;
    }

    private sealed class Aggregate
    {
        public long Checks, Up, LatencySumUs;
        public readonly long[] Histogram = new long[LatencyHistogram.Count];

        public void Add(CheckResult r)
        {
            Checks++;
            if (r.Passed) Up++;
            LatencySumUs += r.Latency.Ticks / 10;
            Histogram[LatencyHistogram.BucketOf(r.Latency.TotalMilliseconds)]++;
        }
    }
}
