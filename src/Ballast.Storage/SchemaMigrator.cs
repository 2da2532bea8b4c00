using System.Data.Common;
using System.Globalization;

namespace Ballast.Storage;

/// <summary>
/// Brings a database to the schema this Ballast knows, one version per transaction, so a migration cut short resumes
/// at the step it stopped at. Every store works on the migrated schema: the server runs this before anything reads
/// or writes, and so does every CLI verb that opens the store itself.
/// </summary>
public sealed class SchemaMigrator(SqlDialect dialect)
{
    /// <summary>Creates or upgrades the schema.</summary>
    /// <exception cref="InvalidOperationException">The database was upgraded by a newer Ballast.</exception>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var steps = dialect.Migrations;
        while (true)
        {
            // The server, a CLI verb and the key ring may migrate the same store at once: each step runs under the
            // migration lock and first reads where the store is, so a step another one ran is not run twice.
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            if (dialect.MigrationLock is { } lockStatement) await ExecuteAsync(connection, tx, lockStatement, cancellationToken);
            await ExecuteAsync(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", cancellationToken);
            int current;
            await using (var read = Sql.Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version"))
            {
                read.Transaction = tx;
                current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            }
            if (current > steps.Count)
                throw new InvalidOperationException($"the database is at schema version {current}, newer than this Ballast knows ({steps.Count}); upgrade Ballast");
            if (current == steps.Count)
            {
                await tx.CommitAsync(cancellationToken);
                return;
            }
            foreach (var statement in steps[current]) await ExecuteAsync(connection, tx, statement, cancellationToken);
            await ExecuteAsync(connection, tx, $"INSERT INTO schema_version (version) VALUES ({current + 1})", cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, sql);
        command.Transaction = tx;
        await command.ExecuteNonQueryAsync(ct);
    }
}
