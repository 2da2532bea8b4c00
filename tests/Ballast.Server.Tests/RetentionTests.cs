using Ballast.Core.Alerting;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Deploy;
using Ballast.Storage.Monitoring;
using Ballast.Testing;

namespace Ballast.Server.Tests;

/// <summary>The server prunes every kind of record under <c>server.retention</c> when it starts (and hourly after).</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Start_PrunesOldIncidentsNotificationsAndSurplusDeploys_KeepsWhatIsStillNeeded()
    {
        var database = (await TestPostgres.CreateDatabaseAsync()).ToString();
        var now = TimeProvider.System.GetUtcNow();
        await new SchemaMigrator(new PostgresDialect(database)).MigrateAsync();
        await using (var monitoring = new SqlMonitoringStore(new PostgresDialect(database)))
        {
            CheckRecord Failed(string id, DateTimeOffset at, DateTimeOffset? resolved) =>
                new(new CheckResult("api", at, TimeSpan.FromMilliseconds(5), false, "got 503", 503), new MonitorStatus("api", MonitorState.Down, 1, 0),
                    new Incident(id, "api", at, at, resolved, "got 503"));
            await monitoring.WriteAsync([Failed("ancient", now.AddDays(-400), now.AddDays(-399)), Failed("recent", now.AddDays(-10), now.AddDays(-9))]);
        }
        var notifications = new SqlNotificationStore(new PostgresDialect(database));
        // The pending one is next tried tomorrow, so the starting server's dispatcher leaves it alone (its channel is not
        // configured here: sending it now would fail it, and a failed notification that old is rightly pruned).
        Notification Note(string id, DateTimeOffset at, DateTimeOffset next) =>
            new(id, "hooks", new AlertMessage(NotificationKind.Firing, [], "https://status.example.com", at), id, NotificationStatus.Pending, 0, at, next);
        await notifications.AddAsync([Note("sent-long-ago", now.AddDays(-100), now.AddDays(-100)), Note("still-pending", now.AddDays(-100), now.AddDays(1))]);
        await notifications.MarkDeliveredAsync("sent-long-ago", 1, now.AddDays(-100), "ok");
        var messages = new Storage.StatusPages.SqlStatusMessageStore(new PostgresDialect(database));
        Core.StatusPages.PublicMessage Resolved(string title, DateTimeOffset at) => new(Core.StatusPages.PublicMessage.NewId(), "acme", title, null, at, at, at,
            Core.StatusPages.PublicMessageState.Resolved, [new(Core.StatusPages.PublicMessage.NewId(), at, Core.StatusPages.PublicMessageState.Resolved, "Fixed.", "ci")]);
        await messages.AddAsync(Resolved("ancient message", now.AddDays(-400)));
        await messages.AddAsync(Resolved("recent message", now.AddDays(-9)));
        var deploys = new SqlDeployStore(new PostgresDialect(database));
        for (var i = 1; i <= 12; i++)
        {
            var record = new DeployRecord { Service = "api", Release = $"api.{i}", StartedAt = now.AddDays(-30 + i), Who = "ci" };
            var id = await deploys.AddAsync(record, CancellationToken.None);
            await deploys.UpdateAsync(record with { Id = id, Outcome = i == 1 ? DeployOutcome.Deployed : DeployOutcome.Refused }, CancellationToken.None);
        }

        await using var server = await ServerHarness.StartAsync("""
              - { name: api, type: tcp, target: "127.0.0.1:9", interval: 1h }
            """, "", database, serverYaml: "retention: { deploys: 5 }");

        // One pass prunes each kind in turn: wait for the last of them (deploys), then look at everything. keep_releases
        // defaults to 5 (retention.deploys is 5 too): the five newest records stay, and api.1, the only release that
        // passed verification, which a rollback would return to.
        string[] expected = ["api.12", "api.11", "api.10", "api.9", "api.8", "api.1"];
        var started = TimeProvider.System.GetTimestamp();
        while (!(await deploys.HistoryAsync("api", 100, CancellationToken.None)).Select(r => r.Release).SequenceEqual(expected))
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60), "deploy records were never pruned");
            await Task.Delay(50);
        }

        var incidents = (await server.GetJsonAsync("/api/v1/incidents")).EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToArray();
        Assert.Contains("recent", incidents);
        Assert.DoesNotContain("ancient", incidents);
        // Status pages' resolved messages go with resolved incidents (retention.incidents, a year by default).
        Assert.Equal(["recent message"], (await messages.ListAsync("acme", null)).Select(m => m.Title));
        Assert.Contains("still-pending", (await notifications.ListAsync()).Select(n => n.Id));
        Assert.DoesNotContain("sent-long-ago", (await notifications.ListAsync()).Select(n => n.Id));
    }
}
