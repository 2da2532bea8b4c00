using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Deploy;

namespace Ballast.Storage.Deploy;

/// <summary><see cref="IDeployStore"/> in SQL shared by SQLite and PostgreSQL; a deploy's steps are kept as JSON.</summary>
public sealed class SqlDeployStore(SqlDialect dialect) : IDeployStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<DeployLock?> TryLockAsync(string service, string holder, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using (var insert = Sql.Command(connection,
                         "INSERT INTO deploy_locks (service, holder, since) VALUES (@service, @holder, @since) ON CONFLICT (service) DO NOTHING",
                         ("@service", service), ("@holder", holder), ("@since", now.ToUnixTimeMilliseconds())))
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1) return null;
        await using var read = Sql.Command(connection, "SELECT holder, since FROM deploy_locks WHERE service = @service", ("@service", service));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        // Released between the two statements: try once more from the top.
        if (!await reader.ReadAsync(cancellationToken)) return await TryLockAsync(service, holder, now, cancellationToken);
        return new DeployLock(service, reader.GetString(0), Sql.Time(reader, 1)!.Value);
    }

    public Task UnlockAsync(string service, string holder, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM deploy_locks WHERE service = @service AND holder = @holder", cancellationToken, ("@service", service), ("@holder", holder));

    public async Task<bool> RenewLockAsync(string service, string holder, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var update = Sql.Command(connection, "UPDATE deploy_locks SET since = @since WHERE service = @service AND holder = @holder",
            ("@service", service), ("@holder", holder), ("@since", now.ToUnixTimeMilliseconds()));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task ForceUnlockAsync(string service, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM deploy_locks WHERE service = @service", cancellationToken, ("@service", service));

    public async Task<long> AddAsync(DeployRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, """
            INSERT INTO deploys (service, kind, release_ref, "commit", started_at, finished_at, who, outcome, rollback_of, rolled_back_to, env_names, steps)
            VALUES (@service, @kind, @release, @commit, @started, @finished, @who, @outcome, @rollback_of, @rolled_back_to, @env_names, @steps) RETURNING id
            """, Parameters(record));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task UpdateAsync(DeployRecord record, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deploys SET release_ref = @release, "commit" = @commit, finished_at = @finished, outcome = @outcome, rollback_of = @rollback_of,
              rolled_back_to = @rolled_back_to, env_names = @env_names, steps = @steps WHERE id = @id
            """, cancellationToken, [.. Parameters(record), ("@id", record.Id)]);

    private const string RecordColumns =
        """id, service, kind, release_ref, started_at, finished_at, who, outcome, rollback_of, rolled_back_to, env_names, steps, "commit" """;

    public async Task<IReadOnlyList<DeployRecord>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, $"SELECT {RecordColumns} FROM deploys WHERE service = @service ORDER BY id DESC LIMIT @limit",
            ("@service", service), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeployRecord>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(Record(reader));
        return list;
    }

    public async Task<IReadOnlyList<DeployRecord>> StartedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, $"SELECT {RecordColumns} FROM deploys WHERE started_at >= @from AND started_at < @to ORDER BY started_at, id",
            ("@from", from.ToUnixTimeMilliseconds()), ("@to", to.ToUnixTimeMilliseconds()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeployRecord>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(Record(reader));
        return list;
    }

    public async Task<DeployRecord?> LastDeployedAsync(string service, string? release, string? otherThan, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var which = release is not null ? " AND release_ref = @release" : otherThan is not null ? " AND release_ref <> @release" : "";
        await using var command = Sql.Command(connection,
            $"SELECT {RecordColumns} FROM deploys WHERE service = @service AND outcome = @outcome{which} ORDER BY id DESC LIMIT 1",
            ("@service", service), ("@outcome", nameof(DeployOutcome.Deployed)));
        if ((release ?? otherThan) is { } named) Sql.Parameter(command, "@release", named);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Record(reader) : null;
    }

    private static DeployRecord Record(DbDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Service = reader.GetString(1),
        Kind = reader.GetString(2),
        Release = Sql.Text(reader, 3),
        StartedAt = Sql.Time(reader, 4)!.Value,
        FinishedAt = Sql.Time(reader, 5),
        Who = reader.GetString(6),
        Outcome = Enum.Parse<DeployOutcome>(reader.GetString(7)),
        RollbackOf = reader.IsDBNull(8) ? null : reader.GetInt64(8),
        RolledBackTo = Sql.Text(reader, 9),
        EnvNames = JsonSerializer.Deserialize<string[]>(reader.GetString(10), Json) ?? [],
        Steps = JsonSerializer.Deserialize<DeployStep[]>(reader.GetString(11), Json) ?? [],
        Commit = Sql.Text(reader, 12),
    };

    public async Task<string?> CommitOfAsync(string service, string release, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, """
            SELECT "commit" FROM deploys WHERE service = @service AND release_ref = @release AND "commit" IS NOT NULL ORDER BY id DESC LIMIT 1
            """, ("@service", service), ("@release", release));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public Task AddBackupAsync(long deployId, string service, SpecBackup backup, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO deploy_backups (deploy_id, service, file, created_at, content) VALUES (@deploy, @service, @file, @at, @content)",
            cancellationToken, ("@deploy", deployId), ("@service", service), ("@file", backup.File), ("@at", at.ToUnixTimeMilliseconds()), ("@content", backup.Content));

    public async Task<IReadOnlyList<StoredBackup>> BackupsAsync(string service, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection,
            "SELECT id, deploy_id, service, file, created_at, content FROM deploy_backups WHERE service = @service ORDER BY id DESC LIMIT @limit",
            ("@service", service), ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredBackup>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new StoredBackup(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), Sql.Time(reader, 4)!.Value, reader.GetString(5)));
        return list;
    }

    public async Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, "SELECT DISTINCT service FROM deploys ORDER BY service");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(reader.GetString(0));
        return list;
    }

    public async Task<IReadOnlyList<DeployCount>> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, "SELECT service, kind, outcome, COUNT(*) FROM deploys GROUP BY service, kind, outcome");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeployCount>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new DeployCount(reader.GetString(0), reader.GetString(1), Enum.Parse<DeployOutcome>(reader.GetString(2)), reader.GetInt64(3)));
        return list;
    }

    public async Task<long> PruneAsync(string service, int keepRecords, int keepReleases, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var rows = new List<(long Id, string Outcome, string? Release, bool HasCommit)>();
        await using (var list = Sql.Command(connection, """
                         SELECT id, outcome, release_ref, "commit" IS NOT NULL FROM deploys WHERE service = @service ORDER BY id DESC
                         """, ("@service", service)))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetInt64(0), reader.GetString(1), Sql.Text(reader, 2), Convert.ToBoolean(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)));
        if (rows.Count <= keepRecords) return 0;
        // Rollback targets come from history (the newest verified record of an earlier release), so those outlive the count.
        var verified = new HashSet<string>(StringComparer.Ordinal);
        var keep = new HashSet<long>(rows.Take(keepRecords).Select(r => r.Id));
        foreach (var row in rows.Where(r => r.Outcome == nameof(DeployOutcome.Deployed) && r.Release is not null))
            if (verified.Count < Math.Max(2, keepReleases) && verified.Add(row.Release!)) keep.Add(row.Id);
        // A kept release is started again (a restart, a rollback) with the commit it was built from, which only its
        // build's record may hold: that record outlives the count too.
        var kept = rows.Where(r => keep.Contains(r.Id) && r.Release is not null).Select(r => r.Release!).ToHashSet(StringComparer.Ordinal);
        var withCommit = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.HasCommit && r.Release is not null && kept.Contains(r.Release)))
            if (withCommit.Add(row.Release!)) keep.Add(row.Id);
        var doomed = rows.Where(r => !keep.Contains(r.Id)).Select(r => r.Id).ToArray();
        if (doomed.Length == 0) return 0;
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var chunk in doomed.Chunk(500))
        {
            var ids = string.Join(", ", chunk.Select((_, i) => "@id" + i));
            var parameters = chunk.Select((id, i) => ("@id" + i, (object?)id)).Append(("@service", service)).ToArray();
            await using var backups = Sql.Command(connection, $"DELETE FROM deploy_backups WHERE service = @service AND deploy_id IN ({ids})", parameters);
            backups.Transaction = tx;
            await backups.ExecuteNonQueryAsync(cancellationToken);
            await using var deploys = Sql.Command(connection, $"DELETE FROM deploys WHERE service = @service AND id IN ({ids})", parameters);
            deploys.Transaction = tx;
            await deploys.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return doomed.Length;
    }

    private static (string, object?)[] Parameters(DeployRecord r) =>
    [
        ("@service", r.Service), ("@kind", r.Kind), ("@release", r.Release), ("@commit", r.Commit), ("@started", r.StartedAt.ToUnixTimeMilliseconds()),
        ("@finished", r.FinishedAt?.ToUnixTimeMilliseconds()), ("@who", r.Who), ("@outcome", r.Outcome.ToString()), ("@rollback_of", r.RollbackOf),
        ("@rolled_back_to", r.RolledBackTo), ("@env_names", JsonSerializer.Serialize(r.EnvNames, Json)), ("@steps", JsonSerializer.Serialize(r.Steps, Json)),
    ];

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
