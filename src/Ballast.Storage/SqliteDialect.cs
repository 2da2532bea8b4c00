using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Ballast.Storage;

/// <summary>SQLite: one file beside the config, WAL so readers never block the single writer.</summary>
public sealed class SqliteDialect(string path) : SqlDialect
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public override string Name => "sqlite";
    public string Path { get; } = path;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // SQLite opens a file it cannot write (made read-only or immutable for a while) read-only, and such a connection
        // stays read-only: back in the pool it would refuse every write after the file is writable again. Clearing the
        // pool marks it (and every idle one) to be closed instead of pooled, so the next open sees the file as it is.
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1) SqliteConnection.ClearPool(connection);
        await using var pragma = connection.CreateCommand();
        // WAL + NORMAL: a committed transaction survives a process crash (kill -9); only power loss can lose the last commits.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public override IReadOnlyList<string[]> Migrations { get; } = Schema.Steps("INTEGER PRIMARY KEY", " WITHOUT ROWID");

    public override string Describe() => $"sqlite:{Path}";

    public override async Task ExecuteRowsAsync(DbConnection connection, DbTransaction transaction, RowStatement statement,
        IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {statement.Table} ({string.Join(", ", statement.Columns)}) " +
                              $"VALUES ({string.Join(", ", statement.Columns.Select((_, i) => "@p" + i))}) {statement.Suffix}";
        var parameters = statement.Columns.Select((_, i) => Sql.Parameter(command, "@p" + i, null)).ToArray();
        command.Prepare();
        foreach (var row in rows)
        {
            for (var i = 0; i < parameters.Length; i++) parameters[i].Value = row[i] ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
