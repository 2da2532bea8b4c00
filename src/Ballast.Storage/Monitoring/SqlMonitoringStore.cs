using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Ballast.Core.Monitoring;

namespace Ballast.Storage.Monitoring;

/// <summary>
/// <see cref="IMonitoringStore"/> in SQL shared by SQLite and PostgreSQL. Numbers the store computes itself are
/// written inline; every text that came from outside (names, causes) goes in a parameter.
/// </summary>
public sealed class SqlMonitoringStore(SqlDialect dialect) : IMonitoringStore
{
    private static readonly string HistogramColumns = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"h{i}"));
    private static readonly string HistogramSums = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"SUM(h{i})"));
    private static readonly string HistogramAdds = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"h{i} = aggregates.h{i} + excluded.h{i}"));

    private readonly ConcurrentDictionary<string, long> _monitorIds = new(StringComparer.Ordinal);

    public SqlDialect Dialect => dialect;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", cancellationToken);
        var current = Convert.ToInt32(await ScalarAsync(connection, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version", cancellationToken), CultureInfo.InvariantCulture);
        var steps = dialect.Migrations;
        if (current > steps.Count)
            throw new InvalidOperationException($"the database is at schema version {current}, newer than this Ballast knows ({steps.Count}); upgrade Ballast");
        for (var version = current; version < steps.Count; version++)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var statement in steps[version]) await ExecuteAsync(connection, tx, statement, cancellationToken);
            await ExecuteAsync(connection, tx, $"INSERT INTO schema_version (version) VALUES ({version + 1})", cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
    }

    public async Task WriteAsync(IReadOnlyList<CheckRecord> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0) return;
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var newIds = await EnsureMonitorIdsAsync(connection, tx, batch.Select(r => r.Result.Monitor).Distinct(StringComparer.Ordinal), cancellationToken);
        long Id(string name) => _monitorIds.TryGetValue(name, out var id) ? id : newIds[name];

        await InsertResultsAsync(connection, tx, batch, Id, cancellationToken);
        await UpsertAggregatesAsync(connection, tx, batch, Id, cancellationToken);
        await UpsertStatusesAsync(connection, tx, batch, cancellationToken);
        await UpsertIncidentsAsync(connection, tx, batch, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        foreach (var (name, id) in newIds) _monitorIds[name] = id;
    }

    private async Task<Dictionary<string, long>> EnsureMonitorIdsAsync(DbConnection connection, DbTransaction tx, IEnumerable<string> names, CancellationToken ct)
    {
        var created = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (_monitorIds.ContainsKey(name)) continue;
            await using var insert = Command(connection, tx, "INSERT INTO monitors (name) VALUES (@name) ON CONFLICT (name) DO NOTHING");
            Parameter(insert, "@name", name);
            await insert.ExecuteNonQueryAsync(ct);
            await using var select = Command(connection, tx, "SELECT id FROM monitors WHERE name = @name");
            Parameter(select, "@name", name);
            created[name] = Convert.ToInt64(await select.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
        return created;
    }

    private async Task InsertResultsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, Func<string, long> id, CancellationToken ct)
    {
        foreach (var chunk in batch.Chunk(Math.Min(2000, dialect.MaxParameters)))
        {
            await using var command = Command(connection, tx, "");
            var sql = new StringBuilder("INSERT INTO check_results (monitor_id, started_at, latency_us, passed, status, cause) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var r = chunk[i].Result;
                if (i > 0) sql.Append(',');
                sql.Append(CultureInfo.InvariantCulture, $"({id(r.Monitor)},{r.StartedAt.ToUnixTimeMilliseconds()},{(long)(r.Latency.Ticks / 10)},{(r.Passed ? 1 : 0)},{(r.Status is { } s ? s.ToString(CultureInfo.InvariantCulture) : "NULL")},");
                if (r.Cause is null) sql.Append("NULL)");
                else
                {
                    sql.Append(CultureInfo.InvariantCulture, $"@c{i})");
                    Parameter(command, $"@c{i}", r.Cause);
                }
            }
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task UpsertAggregatesAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, Func<string, long> id, CancellationToken ct)
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
        foreach (var chunk in buckets.Chunk(1000))
        {
            var sql = new StringBuilder($"INSERT INTO aggregates (monitor_id, resolution, bucket, checks, up, latency_sum_us, {HistogramColumns}) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var ((monitor, resolution, bucket), agg) = chunk[i];
                if (i > 0) sql.Append(',');
                sql.Append(CultureInfo.InvariantCulture, $"({monitor},{resolution},{bucket},{agg.Checks},{agg.Up},{agg.LatencySumUs},{string.Join(',', agg.Histogram)})");
            }
            sql.Append(" ON CONFLICT (monitor_id, resolution, bucket) DO UPDATE SET checks = aggregates.checks + excluded.checks, ")
               .Append("up = aggregates.up + excluded.up, latency_sum_us = aggregates.latency_sum_us + excluded.latency_sum_us, ")
               .Append(HistogramAdds);
            await ExecuteAsync(connection, tx, sql.ToString(), ct);
        }
    }

    private static async Task UpsertStatusesAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, CancellationToken ct)
    {
        var latest = new Dictionary<string, MonitorStatus>(StringComparer.Ordinal);
        foreach (var record in batch) latest[record.Status.Monitor] = record.Status;
        foreach (var chunk in latest.Values.Chunk(500))
        {
            await using var command = Command(connection, tx, "");
            var sql = new StringBuilder("INSERT INTO monitor_status (monitor, state, consecutive_failures, consecutive_successes, first_failure_at, incident_id, last_check_at, last_latency_ms, last_error, last_success_at, changed_at) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var s = chunk[i];
                if (i > 0) sql.Append(',');
                sql.Append(CultureInfo.InvariantCulture, $"(@m{i},'{s.State}',{s.ConsecutiveFailures},{s.ConsecutiveSuccesses},{Ms(s.FirstFailureAt)},@i{i},{Ms(s.LastCheckAt)},{(s.LastLatencyMs is { } l ? l.ToString("R", CultureInfo.InvariantCulture) : "NULL")},@e{i},{Ms(s.LastSuccessAt)},{Ms(s.ChangedAt)})");
                Parameter(command, $"@m{i}", s.Monitor);
                Parameter(command, $"@i{i}", s.IncidentId);
                Parameter(command, $"@e{i}", s.LastError);
            }
            sql.Append(" ON CONFLICT (monitor) DO UPDATE SET state = excluded.state, consecutive_failures = excluded.consecutive_failures, ")
               .Append("consecutive_successes = excluded.consecutive_successes, first_failure_at = excluded.first_failure_at, incident_id = excluded.incident_id, ")
               .Append("last_check_at = excluded.last_check_at, last_latency_ms = excluded.last_latency_ms, last_error = excluded.last_error, ")
               .Append("last_success_at = excluded.last_success_at, changed_at = excluded.changed_at");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task UpsertIncidentsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<CheckRecord> batch, CancellationToken ct)
    {
        var incidents = new Dictionary<string, Incident>(StringComparer.Ordinal);
        foreach (var record in batch)
            if (record.Incident is { } incident) incidents[incident.Id] = incident;
        foreach (var incident in incidents.Values)
        {
            await using var command = Command(connection, tx, $"""
                INSERT INTO incidents (id, monitor, started_at, detected_at, resolved_at, cause)
                VALUES (@id, @monitor, {Ms(incident.StartedAt)}, {Ms(incident.DetectedAt)}, {Ms(incident.ResolvedAt)}, @cause)
                ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at
                """);
            Parameter(command, "@id", incident.Id);
            Parameter(command, "@monitor", incident.Monitor);
            Parameter(command, "@cause", incident.Cause);
            await command.ExecuteNonQueryAsync(ct);
        }
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
                Time(reader, 4), Text(reader, 5), Time(reader, 6),
                reader.IsDBNull(7) ? null : Convert.ToDouble(reader.GetValue(7), CultureInfo.InvariantCulture),
                Text(reader, 8), Time(reader, 9), Time(reader, 10));
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
            $"SELECT id, monitor, started_at, detected_at, resolved_at, cause FROM incidents {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY started_at DESC, id DESC LIMIT {Math.Clamp(limit, 1, 100_000)}");
        if (monitor is not null) Parameter(command, "@monitor", monitor);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var incidents = new List<Incident>();
        while (await reader.ReadAsync(cancellationToken))
            incidents.Add(new Incident(reader.GetString(0), reader.GetString(1), Time(reader, 2)!.Value, Time(reader, 3)!.Value, Time(reader, 4), reader.GetString(5)));
        return incidents;
    }

    public async Task<IReadOnlyList<CheckResult>> ReadResultsAsync(string monitor, DateTimeOffset since, int limit = 10_000, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT r.started_at, r.latency_us, r.passed, r.status, r.cause FROM check_results r
            JOIN monitors m ON m.id = r.monitor_id
            WHERE m.name = @monitor AND r.started_at >= {since.ToUnixTimeMilliseconds()}
            ORDER BY r.started_at LIMIT {Math.Clamp(limit, 1, 100_000)}
            """);
        Parameter(command, "@monitor", monitor);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<CheckResult>();
        while (await reader.ReadAsync(cancellationToken))
            results.Add(new CheckResult(monitor, Time(reader, 0)!.Value,
                TimeSpan.FromTicks(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) * 10),
                Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture) == 1, Text(reader, 4),
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
            WHERE a.resolution = {resolution} AND a.bucket >= {start} AND a.bucket < {to.ToUnixTimeMilliseconds()} {(monitor is null ? "" : "AND m.name = @monitor")}
            GROUP BY m.name
            """);
        if (monitor is not null) Parameter(command, "@monitor", monitor);
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

    public async Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var cutoff = before.ToUnixTimeMilliseconds();
        var deleted = await ExecuteAsync(connection, null, $"DELETE FROM check_results WHERE started_at < {cutoff}", cancellationToken);
        // Minute aggregates live as long as raw results; hourly ones 90 days; daily ones for good.
        await ExecuteAsync(connection, null, $"DELETE FROM aggregates WHERE resolution = 0 AND bucket < {cutoff}", cancellationToken);
        await ExecuteAsync(connection, null, $"DELETE FROM aggregates WHERE resolution = 1 AND bucket < {cutoff - (long)TimeSpan.FromDays(90).TotalMilliseconds}", cancellationToken);
        return deleted;
    }

    public async ValueTask DisposeAsync()
    {
        if (dialect is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    /// <summary>Bucket widths in ms for resolutions 0 (minute), 1 (hour), 2 (day).</summary>
    private static readonly long[] Resolutions = [60_000, 3_600_000, 86_400_000];

    private static long Mod(long value, long m) => ((value % m) + m) % m;

    private static string Ms(DateTimeOffset? value) => value is { } v ? v.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "NULL";

    private static DateTimeOffset? Time(DbDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture));

    private static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 120;
        return command;
    }

    private static void Parameter(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql);
        return await command.ExecuteScalarAsync(ct);
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
