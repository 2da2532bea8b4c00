using Ballast.Core.Config;

namespace Ballast.Storage;

/// <summary>The database a config names: <c>sqlite:PATH</c> (relative to the config's folder) or <c>postgres://…</c>.</summary>
public static class Stores
{
    public static SqlDialect DialectFor(ServerConfig server, string? configPath)
    {
        var storage = server.Storage;
        if (storage.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            var path = storage["sqlite:".Length..];
            var baseDir = configPath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(configPath))!;
            return new SqliteDialect(Path.GetFullPath(Path.Combine(baseDir, path)));
        }
        return new PostgresDialect(storage);
    }
}
