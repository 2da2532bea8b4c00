using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Storage.Alerting;

namespace Ballast.Storage.Tests;

/// <summary>Notifications on SQLite and on a real PostgreSQL.</summary>
public sealed class NotificationStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly StoreBackends _backends = new();

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task RecordAccepted_KeptWithTheNotification_WhenReopened(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlNotificationStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "got 503", T0, T0, null, 2, null);
        await store.AddAsync([new Notification("n1", "sms", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), "i1",
            NotificationStatus.Pending, 0, T0, T0)]);
        Assert.Null(Assert.Single(await store.ListAsync()).Accepted);

        await store.RecordAcceptedAsync("n1", ["+15552223333", "+15556667777"]);
        await store.MarkRetryAsync("n1", 1, T0.AddSeconds(5), "+15554445555: 500 Internal Server Error");
        var reopened = new SqlNotificationStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));

        var due = Assert.Single(await reopened.DueAsync(T0.AddSeconds(5), 10));
        Assert.Equal(["+15552223333", "+15556667777"], due.Accepted);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task SetAside_OnlyTheStatusChanges_NoLongerPending(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlNotificationStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "got 503", T0, T0, null, 2, null);
        await store.AddAsync(new[] { "n1", "n2" }.Select(id => new Notification(id, "hooks", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), "i1",
            NotificationStatus.Pending, 2, T0, id == "n1" ? T0 : T0.AddMinutes(1), LastError: "503 Service Unavailable")).ToArray());
        // Every pending one, in the order they fall due, however far ahead: how the dispatcher finds its next wake past set-aside ones.
        Assert.Equal(["n1", "n2"], (await store.DueAsync(DateTimeOffset.MaxValue, 10)).Select(n => n.Id));

        await store.SetAsideAsync("n1");

        var failed = (await store.ListAsync()).Single(n => n.Id == "n1");
        Assert.Equal((NotificationStatus.Failed, 2, "503 Service Unavailable"), (failed.Status, failed.Attempts, failed.LastError));
        Assert.Equal(["n2"], (await store.DueAsync(DateTimeOffset.MaxValue, 10)).Select(n => n.Id));
        Assert.Equal(T0.AddMinutes(1), await store.NextDueAsync());
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Count_ByChannelAndStatus(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlNotificationStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "got 503", T0, T0, null, 2, null);
        await store.AddAsync(new[] { ("n1", "hooks"), ("n2", "hooks"), ("n3", "hooks"), ("n4", "sms") }.Select(n => new Notification(n.Item1, n.Item2,
            new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), "i1", NotificationStatus.Pending, 0, T0, T0)).ToArray());
        await store.MarkDeliveredAsync("n1", 1, T0, "200 OK");
        await store.MarkDeliveredAsync("n2", 1, T0, "200 OK");
        await store.MarkFailedAsync("n4", 5, "401 Unauthorized");

        var counts = (await store.CountAsync()).OrderBy(c => (c.Channel, c.Status)).ToArray();

        Assert.Equal([
            new NotificationCount("hooks", NotificationStatus.Pending, 1), new NotificationCount("hooks", NotificationStatus.Delivered, 2),
            new NotificationCount("sms", NotificationStatus.Failed, 1),
        ], counts);
    }

    public void Dispose() => _backends.Dispose();
}
