using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Monitoring;
using Ballast.Testing;

namespace Ballast.Core.Tests.Alerting;

/// <summary>A migrated SQLite database in a folder of the test's own, holding notifications and silences.</summary>
internal sealed class TempAlertStore(TempDirectory dir, SqlNotificationStore store) : IDisposable
{
    public SqlNotificationStore Store { get; } = store;

    /// <summary>Runs <paramref name="sql"/> on the database directly (a trigger that makes it refuse some rows, say).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("ballast.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<TempAlertStore> CreateAsync()
    {
        var dir = new TempDirectory();
        var dialect = new SqliteDialect(dir.File("ballast.db"));
        await new SchemaMigrator(dialect).MigrateAsync();
        return new TempAlertStore(dir, new SqlNotificationStore(dialect));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        dir.Dispose();
    }
}
