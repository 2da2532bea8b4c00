using Ballast.Storage;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Npgsql;

namespace Ballast.Storage.Tests;

/// <summary>
/// Fresh stores on each backend: a SQLite file in a temp folder, or a new database on the PostgreSQL server that
/// scripts/test.sh starts (its URL in BALLAST_TEST_POSTGRES).
/// </summary>
public sealed class StoreBackends : IDisposable
{
    public const string Variable = "BALLAST_TEST_POSTGRES";
    private readonly TempDirectory _dir = new();
    private readonly List<string> _databases = [];

    public static TheoryData<string> All => new("sqlite", "postgres");

    public async Task<SqlMonitoringStore> OpenAsync(string backend, string? reuse = null)
    {
        var dialect = await DialectAsync(backend, reuse);
        await new SchemaMigrator(dialect).MigrateAsync();
        return new SqlMonitoringStore(dialect);
    }

    /// <summary>A dialect for a new database, or for <paramref name="reuse"/> (the name of one made before).</summary>
    public async Task<SqlDialect> DialectAsync(string backend, string? reuse = null)
    {
        if (backend == "sqlite") return new SqliteDialect(_dir.File((reuse ?? Guid.NewGuid().ToString("N")) + ".db"));
        var url = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(url)) Assert.Skip($"{Variable} is not set: scripts/test.sh starts PostgreSQL and sets it");
        var name = reuse ?? "ballast_" + Guid.NewGuid().ToString("N")[..12];
        if (reuse is null)
        {
            await using var admin = NpgsqlDataSource.Create(PostgresDialect.ToConnectionString(url));
            await using var create = admin.CreateCommand($"CREATE DATABASE {name}");
            await create.ExecuteNonQueryAsync();
            _databases.Add(name);
        }
        var builder = new UriBuilder(url) { Path = "/" + name };
        return new PostgresDialect(builder.Uri.ToString());
    }

    /// <summary>The name to pass as <c>reuse</c> to reopen the last store made on <paramref name="backend"/>.</summary>
    public string LastName(string backend) => backend == "sqlite"
        ? Path.GetFileNameWithoutExtension(Directory.GetFiles(_dir.Path, "*.db").OrderBy(File.GetCreationTimeUtc).Last())
        : _databases[^1];

    public void Dispose()
    {
        _dir.Dispose();
        var url = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(url) || _databases.Count == 0) return;
        NpgsqlConnection.ClearAllPools();
        using var admin = NpgsqlDataSource.Create(PostgresDialect.ToConnectionString(url));
        foreach (var db in _databases)
        {
            using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {db} WITH (FORCE)");
            drop.ExecuteNonQuery();
        }
    }
}
