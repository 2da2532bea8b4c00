using System.Data.Common;
using Npgsql;

namespace Ballast.Storage;

/// <summary>PostgreSQL, for a team that outgrows one file: <c>postgres://user:password@host:port/database</c>.</summary>
public sealed class PostgresDialect : SqlDialect, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _display;

    public PostgresDialect(string url)
    {
        var builder = ToConnectionString(url);
        _display = $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override string Name => "postgres";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override IReadOnlyList<string[]> Migrations { get; } = Schema.Steps("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "");

    public override string Describe() => _display;

    /// <summary>An advisory lock on a number of Ballast's own, released when the migration's transaction ends.</summary>
    public override string? MigrationLock => "SELECT pg_advisory_xact_lock(774201)";

    /// <summary>Turns a postgres:// URL into Npgsql settings; query parameters such as <c>sslmode</c> pass through.</summary>
    public static NpgsqlConnectionStringBuilder ToConnectionString(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            ApplicationName = "ballast",
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
        if (userInfo.Length > 1) builder.Password = Uri.UnescapeDataString(userInfo[1]);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            builder[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
        }
        return builder;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
