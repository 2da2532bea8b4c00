using System.Security.Cryptography;
using Ballast.Core.Deploy;
using Ballast.Storage.KeyRing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Storage.Tests;

/// <summary>The Data Protection key ring lives with the store: every process on one store opens what another sealed, and only those.</summary>
public sealed class KeyRingTests : IDisposable
{
    private readonly StoreBackends _backends = new();

    private static ServiceProvider Process(SqlDialect dialect) =>
        new ServiceCollection().AddSingleton(dialect).AddSingleton<SchemaMigrator>().AddBallastKeyRing().BuildServiceProvider();

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Sealed_ByOneProcess_OpensInAnotherOnTheSameStore_AndNotOnAnotherStore(string backend)
    {
        var dialect = await _backends.DialectAsync(backend);
        await new SchemaMigrator(dialect).MigrateAsync();
        var name = _backends.LastName(backend);
        var other = await _backends.DialectAsync(backend);
        await new SchemaMigrator(other).MigrateAsync();

        string sealedText;
        await using (var deployer = Process(dialect))
            sealedText = deployer.GetRequiredService<ISecretSealer>().Seal("postgres://api:hunter2@db/api");
        await using var server = Process(await _backends.DialectAsync(backend, name));
        await using var stranger = Process(other);

        Assert.DoesNotContain("hunter2", sealedText, StringComparison.Ordinal);
        Assert.Equal("postgres://api:hunter2@db/api", server.GetRequiredService<ISecretSealer>().Unseal(sealedText));
        Assert.ThrowsAny<CryptographicException>(() => stranger.GetRequiredService<ISecretSealer>().Unseal(sealedText));
        if (dialect is SqliteDialect sqlite)
        {
            var folder = BallastKeyRing.FolderFor(sqlite.Path);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            var key = Assert.Single(Directory.GetFiles(folder));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    public void Dispose() => _backends.Dispose();
}
