using Npgsql;
using StackExchange.Redis;

namespace SampleApi;

/// <summary>PostgreSQL and Redis from <c>DATABASE_URL</c> and <c>REDIS_URL</c>, connected once at startup.</summary>
public static class Connections
{
    private static Uri Parse(string url, string variable, string shape) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri : throw new InvalidOperationException($"{variable} is not a {shape} URL");

    /// <summary>A data source for <c>postgres://user:password@host:port/database</c>; connects nothing yet.</summary>
    public static NpgsqlDataSource Database(string url)
    {
        var uri = Parse(url, "DATABASE_URL", "postgres://user:password@host:port/database");
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Timeout = 3,
            CommandTimeout = 5,
        };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>Options for <c>redis://[:password@]host:port</c>; reconnects by itself, fails commands within a second.</summary>
    public static ConfigurationOptions Redis(string url)
    {
        var uri = Parse(url, "REDIS_URL", "redis://host:port");
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            AsyncTimeout = 1000,
            SyncTimeout = 1000,
            ClientName = "sample-api",
        };
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
        if (uri.UserInfo.Split(':', 2) is [_, var password]) options.Password = Uri.UnescapeDataString(password);
        return options;
    }
}
