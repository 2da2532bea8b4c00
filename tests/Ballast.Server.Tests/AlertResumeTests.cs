using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Monitoring;
using Ballast.Testing;

namespace Ballast.Server.Tests;

/// <summary>
/// A restart finds open incidents in storage: those somebody was told of are resumed (reminders only), and one whose
/// message never got stored (it was waiting in memory, for group_wait or for a database outage, when the server
/// stopped) is announced now instead of being taken as told.
/// </summary>
public sealed class AlertResumeTests : IAsyncDisposable
{
    private TestReceiver _receiver = null!;

    [Fact]
    public async Task Restart_OpenIncidentNeverAnnounced_IsAnnounced_TheAnnouncedOneIsNotRepeated()
    {
        _receiver = await TestReceiver.StartAsync();
        var database = (await TestPostgres.CreateDatabaseAsync()).ToString();
        var now = TimeProvider.System.GetUtcNow();
        await new SchemaMigrator(new PostgresDialect(database)).MigrateAsync();
        await using (var monitoring = new SqlMonitoringStore(new PostgresDialect(database)))
        {
            CheckRecord Down(string monitor, string incident) =>
                new(new CheckResult(monitor, now.AddMinutes(-5), TimeSpan.FromMilliseconds(5), false, "connection refused"),
                    new MonitorStatus(monitor, MonitorState.Down, 2, 0), new Incident(incident, monitor, now.AddMinutes(-6), now.AddMinutes(-5), null, "connection refused"));
            await monitoring.WriteAsync([Down("api", "never-told"), Down("db", "told")]);
        }
        var notifications = new SqlNotificationStore(new PostgresDialect(database));
        var item = new AlertItem("told", "db", "tcp", Severity.Critical, "connection refused", now.AddMinutes(-6), now.AddMinutes(-5), null, 2, null);
        await notifications.AddAsync([new Notification("earlier", "hooks", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1", now.AddMinutes(-5)),
            "told", NotificationStatus.Pending, 0, now.AddMinutes(-5), now.AddMinutes(-5))]);
        await notifications.MarkDeliveredAsync("earlier", 1, now.AddMinutes(-5), "ok");

        await using var server = await ServerHarness.StartAsync("""
              - { name: api, type: tcp, target: "127.0.0.1:9", interval: 1h }
              - { name: db, type: tcp, target: "127.0.0.1:9", interval: 1h }
            """, $$"""
            channels:
              hooks: { type: webhook, url: "{{_receiver.Url("/hooks")}}" }
            alerting:
              group_wait: 0s
              repeat_every: 1h
              routes:
                - channels: [hooks]
            """, database);

        var told = await _receiver.NextAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("never-told", told.Body);
        Assert.DoesNotContain("\"told\"", told.Body);
        // Both incidents were planned in the same step, so by the time the first message is delivered any second one
        // would be stored too: exactly the earlier notification and the new one exist.
        var list = await server.EventuallyAsync("/api/v1/notifications?status=delivered", l => l.GetArrayLength() == 2, seconds: 30);
        Assert.Equal(["never-told"], list.EnumerateArray().Select(n => n.GetProperty("incidents")[0].GetString()).Where(i => i != "told"));
        Assert.Equal(2, (await server.GetJsonAsync("/api/v1/notifications")).GetArrayLength());
    }

    public async ValueTask DisposeAsync()
    {
        if (_receiver is not null) await _receiver.DisposeAsync();
    }
}
