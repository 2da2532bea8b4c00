using Ballast.Storage.Monitoring;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Storage.Tests;

/// <summary>Generated push tokens, on SQLite and on a real PostgreSQL: the first token stored for a monitor is kept.</summary>
public sealed class PushTokenStoreTests : IDisposable
{
    private readonly StoreBackends _backends = new();

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Ensure_FirstTokenStoredWins_OthersKeptUntouched_OnlyThoseAskedAboutReturned(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var dialect = await _backends.DialectAsync(backend, _backends.LastName(backend));
        var store = new SqlPushTokenStore(dialect, new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero)));

        var first = await store.EnsureAsync(new Dictionary<string, string> { ["backup"] = "token-backup-aaaaaaaa", ["sync"] = "token-sync-aaaaaaaaaa" },
            CancellationToken.None);
        // Another process (a second server, or ballast check) proposing its own tokens for the same monitors gets the stored ones.
        var second = await new SqlPushTokenStore(dialect, TimeProvider.System).EnsureAsync(
            new Dictionary<string, string> { ["backup"] = "token-backup-bbbbbbbb", ["export"] = "token-export-bbbbbbbb" }, CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { ["backup"] = "token-backup-aaaaaaaa", ["sync"] = "token-sync-aaaaaaaaaa" }, first);
        Assert.Equal(new Dictionary<string, string> { ["backup"] = "token-backup-aaaaaaaa", ["export"] = "token-export-bbbbbbbb" }, second);
    }

    public void Dispose() => _backends.Dispose();
}
