using Npgsql;
using Xunit;

namespace Ballast.Testing;

/// <summary>Databases on the PostgreSQL server scripts/test.sh starts (its URL in BALLAST_TEST_POSTGRES).</summary>
public static class TestPostgres
{
    public const string Variable = "BALLAST_TEST_POSTGRES";

    /// <summary>The server's URL, or a skip when the test script did not start one.</summary>
    public static string ServerUrl()
    {
        var url = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(url)) Assert.Skip($"{Variable} is not set: scripts/test.sh starts PostgreSQL and sets it");
        return url!;
    }

    /// <summary>Creates an empty database and returns its postgres:// URL.</summary>
    public static async Task<Uri> CreateDatabaseAsync()
    {
        var server = new Uri(ServerUrl());
        var name = "test_" + Guid.NewGuid().ToString("N")[..12];
        var admin = new NpgsqlConnectionStringBuilder { Host = server.Host, Port = server.Port, Username = Uri.UnescapeDataString(server.UserInfo.Split(':')[0]), Database = "postgres" };
        await using var source = NpgsqlDataSource.Create(admin.ConnectionString);
        await using var create = source.CreateCommand($"CREATE DATABASE {name}");
        await create.ExecuteNonQueryAsync();
        return new UriBuilder(server) { Path = "/" + name }.Uri;
    }
}
