using System.Data.Common;
using System.Text;

namespace Ballast.Storage;

/// <summary>An INSERT written once and run for many rows: <c>INSERT INTO table (columns) VALUES (...) suffix</c>.</summary>
public sealed record RowStatement(string Table, IReadOnlyList<string> Columns, string Suffix = "");

/// <summary>What differs between the SQL engines Ballast runs on; everything else is shared SQL.</summary>
public abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>Opens a connection ready for use (pragmas applied).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Schema steps in order; step N brings the schema to version N+1.</summary>
    public abstract IReadOnlyList<string[]> Migrations { get; }

    /// <summary>A storage description safe to print (no password).</summary>
    public abstract string Describe();

    /// <summary>
    /// A statement that holds every other migration of the same database off until the transaction ends, or null when
    /// the engine's own write transaction already does (SQLite's is IMMEDIATE).
    /// </summary>
    public virtual string? MigrationLock => null;

    /// <summary>
    /// Runs <paramref name="statement"/> for every row, all values as parameters. This default sends multi-row VALUES,
    /// so a batch costs one round trip to a database server; SQLite overrides it with one prepared statement re-run
    /// per row, which skips parsing altogether.
    /// </summary>
    public virtual async Task ExecuteRowsAsync(DbConnection connection, DbTransaction transaction, RowStatement statement,
        IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var perChunk = Math.Max(1, 30_000 / statement.Columns.Count);
        for (var start = 0; start < rows.Count; start += perChunk)
        {
            var count = Math.Min(perChunk, rows.Count - start);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder($"INSERT INTO {statement.Table} ({string.Join(", ", statement.Columns)}) VALUES ");
            var n = 0;
            for (var r = 0; r < count; r++)
            {
                sql.Append(r == 0 ? "(" : ",(");
                var row = rows[start + r];
                for (var c = 0; c < row.Length; c++)
                {
                    if (c > 0) sql.Append(',');
                    sql.Append("@p").Append(n);
                    Sql.Parameter(command, "@p" + n++, row[c]);
                }
                sql.Append(')');
            }
            command.CommandText = sql.Append(' ').Append(statement.Suffix).ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
