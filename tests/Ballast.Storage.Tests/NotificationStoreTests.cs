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

    public void Dispose() => _backends.Dispose();
}
