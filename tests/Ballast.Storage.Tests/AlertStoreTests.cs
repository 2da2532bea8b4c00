using Ballast.Core.Alerting;
using Ballast.Storage.Alerting;

namespace Ballast.Storage.Tests;

/// <summary>Notifications and silences, on SQLite and on a real PostgreSQL.</summary>
public sealed class AlertStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly StoreBackends _backends = new();

    private async Task<SqlNotificationStore> OpenAsync(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        return new SqlNotificationStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
    }

    private static Notification Note(string id, DateTimeOffset at, NotificationStatus status = NotificationStatus.Pending) =>
        new(id, "oncall", new AlertMessage(NotificationKind.Firing, [], "https://status.example.com", at), "i1", status, 0, at, at);

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Silences_MoreThanAThousand_TheOldestStillInForce(string backend)
    {
        var store = await OpenAsync(backend);
        await store.AddAsync(new Silence("db-week", "db-*", T0, T0.AddDays(7), "migration week", "alice"));
        for (var i = 0; i < 1000; i++)
        {
            await store.AddAsync(new Silence($"s{i}", $"web-{i}", T0.AddSeconds(1 + i), T0.AddHours(1), "deploy", "bob"));
            await store.ExpireAsync($"s{i}", T0.AddSeconds(2 + i));
        }

        // What the planner applies: every silence, however many came after it.
        var all = await store.ListSilencesAsync();

        Assert.Equal(1001, all.Count);
        Assert.Contains(all, s => s.Id == "db-week" && s.IsActive(T0.AddDays(1)) && s.Covers("db-main"));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Prune_FinishedNotificationsAndEndedSilencesPastRetention_Go_PendingAndRecentStay(string backend)
    {
        var store = await OpenAsync(backend);
        await store.AddAsync([Note("old-delivered", T0), Note("old-failed", T0), Note("old-pending", T0), Note("new-delivered", T0.AddDays(40))]);
        await store.MarkDeliveredAsync("old-delivered", 1, T0, "250 ok");
        await store.MarkFailedAsync("old-failed", 9, "554 rejected");
        await store.MarkDeliveredAsync("new-delivered", 1, T0.AddDays(40), "250 ok");
        await store.AddAsync(new Silence("ended", "a", T0, T0.AddHours(1), "r", "alice"));
        await store.AddAsync(new Silence("expired", "b", T0, T0.AddDays(60), "r", "alice"));
        await store.ExpireAsync("expired", T0.AddHours(2));
        await store.AddAsync(new Silence("long", "c", T0, T0.AddDays(60), "r", "alice"));

        var deleted = await store.PruneAsync(T0.AddDays(30));

        Assert.Equal(4, deleted);
        Assert.Equal(["new-delivered", "old-pending"], (await store.ListAsync(limit: 100)).Select(n => n.Id).Order());
        Assert.Equal(["long"], (await store.ListSilencesAsync()).Select(s => s.Id));
    }

    public void Dispose() => _backends.Dispose();
}
