using Ballast.Core.Logs;
using Ballast.Storage.Logs;

namespace Ballast.Storage.Tests;

/// <summary>Log sources' checkpoints, on SQLite and on a real PostgreSQL: the latest position wins, the line count adds up.</summary>
public sealed class LogCheckpointStoreTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 8, 2, 0, 0, TimeSpan.Zero);
    private readonly StoreBackends _backends = new();

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Save_SameKeyTwice_KeepsLatestPositionAndAddsLines(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlLogCheckpointStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));

        await store.SaveAsync("api", new LogCheckpoint("file:api:2049.17", "120:64:aa"), 3, At, CancellationToken.None);
        await store.SaveAsync("api", new LogCheckpoint("file:api:2049.17", "300:256:bb"), 5, At.AddSeconds(1), CancellationToken.None);
        await store.SaveAsync("web", new LogCheckpoint("file:web:2049.18", "10:10:cc"), 1, At, CancellationToken.None);

        Assert.Equal(new StoredLogCheckpoint("file:api:2049.17", "api", "300:256:bb", 8, At.AddSeconds(1)),
            await store.LoadAsync("file:api:2049.17", CancellationToken.None));
        Assert.Null(await store.LoadAsync("file:api:2049.99", CancellationToken.None));
        Assert.Equal(["file:api:2049.17", "file:web:2049.18"], (await store.ListAsync(CancellationToken.None)).Select(c => c.Key));
    }

    public void Dispose() => _backends.Dispose();
}
