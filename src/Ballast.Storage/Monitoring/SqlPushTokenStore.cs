using Ballast.Core.Monitoring;

namespace Ballast.Storage.Monitoring;

/// <summary>
/// <see cref="IPushTokenStore"/> in the <c>push_tokens</c> table. The first token stored for a monitor wins, so a
/// server and a <c>ballast check --show-push-urls</c> that generate one at the same moment end up with the same.
/// </summary>
public sealed class SqlPushTokenStore(SqlDialect dialect, TimeProvider time) : IPushTokenStore
{
    public async Task<IReadOnlyDictionary<string, string>> EnsureAsync(IReadOnlyDictionary<string, string> proposed, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using var insert = Sql.Command(connection,
                "INSERT INTO push_tokens (monitor, token, created_at) VALUES (@monitor, @token, @at) ON CONFLICT (monitor) DO NOTHING");
            insert.Transaction = tx;
            var monitor = Sql.Parameter(insert, "@monitor", null);
            var token = Sql.Parameter(insert, "@token", null);
            Sql.Parameter(insert, "@at", time.GetUtcNow().ToUnixTimeMilliseconds());
            foreach (var (name, value) in proposed)
            {
                monitor.Value = name;
                token.Value = value;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            await tx.CommitAsync(cancellationToken);
        }
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        // The table holds one short row per heartbeat ever generated for; reading it whole is cheaper than a long IN list.
        await using var read = Sql.Command(connection, "SELECT monitor, token FROM push_tokens");
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (proposed.ContainsKey(reader.GetString(0))) kept[reader.GetString(0)] = reader.GetString(1);
        return kept;
    }
}
