using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Ballast.Storage.KeyRing;

/// <summary>
/// Data Protection keys in the <c>data_protection_keys</c> table of a PostgreSQL store, so every CLI and server on that
/// store shares one key ring. Data Protection reads its repository synchronously (at first use and when the ring is
/// refreshed, not per value), so these calls wait on the database.
/// </summary>
internal sealed class SqlKeyRepository(SqlDialect dialect, SchemaMigrator migrator) : IXmlRepository
{
    private readonly Lock _gate = new();
    private Task? _migrated;

    /// <summary>The store's migration, started once; a failed one (the database was away) is tried again next time, not kept.</summary>
    private Task MigratedAsync()
    {
        lock (_gate)
        {
            if (_migrated is null || _migrated.IsFaulted || _migrated.IsCanceled) _migrated = migrator.MigrateAsync();
            return _migrated;
        }
    }

    public IReadOnlyCollection<XElement> GetAllElements() => ReadAsync().GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => StoreAsync(element, friendlyName).GetAwaiter().GetResult();

    private async Task<IReadOnlyCollection<XElement>> ReadAsync()
    {
        // Data Protection can be asked for a key before the host migrated the store (an antiforgery token at start).
        await MigratedAsync();
        await using var connection = await dialect.OpenAsync(CancellationToken.None);
        await using var read = Sql.Command(connection, "SELECT xml FROM data_protection_keys ORDER BY name");
        await using var reader = await read.ExecuteReaderAsync();
        var keys = new List<XElement>();
        while (await reader.ReadAsync()) keys.Add(XElement.Parse(reader.GetString(0)));
        return keys;
    }

    private async Task StoreAsync(XElement element, string friendlyName)
    {
        await MigratedAsync();
        await using var connection = await dialect.OpenAsync(CancellationToken.None);
        await using var insert = Sql.Command(connection,
            "INSERT INTO data_protection_keys (name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO UPDATE SET xml = @xml",
            ("@name", friendlyName), ("@xml", element.ToString(SaveOptions.DisableFormatting)));
        await insert.ExecuteNonQueryAsync();
    }
}
