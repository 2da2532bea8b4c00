using Ballast.Core.Logs;

namespace Ballast.Storage.Logs;

/// <summary>
/// <see cref="ILogCheckpointStore"/> in the <c>log_checkpoints</c> table. A save is one upsert, so the position and
/// the line count move together or not at all.
/// </summary>
public sealed class SqlLogCheckpointStore(SqlDialect dialect) : ILogCheckpointStore
{
    public async Task SaveAsync(string source, LogCheckpoint checkpoint, long lines, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var upsert = Sql.Command(connection,
            """
            INSERT INTO log_checkpoints (key, source, position, lines, updated_at) VALUES (@key, @source, @position, @lines, @at)
            ON CONFLICT (key) DO UPDATE SET source = excluded.source, position = excluded.position,
              lines = log_checkpoints.lines + excluded.lines, updated_at = excluded.updated_at
            """,
            ("@key", checkpoint.Key), ("@source", source), ("@position", checkpoint.Position), ("@lines", lines),
            ("@at", at.ToUnixTimeMilliseconds()));
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredLogCheckpoint?> LoadAsync(string key, CancellationToken cancellationToken)
    {
        var found = await ReadAsync(" WHERE key = @key", key, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<StoredLogCheckpoint>> ListAsync(CancellationToken cancellationToken) => ReadAsync("", null, cancellationToken);

    private async Task<IReadOnlyList<StoredLogCheckpoint>> ReadAsync(string where, string? key, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var select = Sql.Command(connection, "SELECT key, source, position, lines, updated_at FROM log_checkpoints" + where + " ORDER BY key",
            key is null ? [] : new (string, object?)[] { ("@key", key) });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var found = new List<StoredLogCheckpoint>();
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new StoredLogCheckpoint(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture), Sql.Time(reader, 4)!.Value));
        return found;
    }
}
