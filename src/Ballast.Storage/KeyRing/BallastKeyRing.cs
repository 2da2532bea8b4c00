using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ballast.Storage.KeyRing;

/// <summary>
/// Ballast's one Data Protection key ring, where its store is: a folder beside a SQLite database
/// (<c>ballast.db.keys/</c>, 0700), the <c>data_protection_keys</c> table of a PostgreSQL one. The CLI and the server
/// register it the same way, so what one seals the other can open.
/// </summary>
public static class BallastKeyRing
{
    /// <summary>The application name every Ballast process uses, so their protectors agree.</summary>
    public const string ApplicationName = "ballast";

    /// <summary>The folder holding the keys of the SQLite database at <paramref name="databasePath"/>.</summary>
    public static string FolderFor(string databasePath) => databasePath + ".keys";

    public static IServiceCollection AddBallastKeyRing(this IServiceCollection services)
    {
        services.AddLogging();
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = sp.GetRequiredService<SqlDialect>() switch
            {
                SqliteDialect sqlite => new FileKeyRepository(FolderFor(sqlite.Path)),
                var dialect => new SqlKeyRepository(dialect, sp.GetRequiredService<SchemaMigrator>()),
            }));
        services.TryAddSingleton<ISecretSealer, DataProtectionSealer>();
        return services;
    }
}
