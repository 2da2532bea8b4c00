using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Tests.Alerting;

/// <summary>
/// The planner and the dispatcher while their store is away: a real PostgreSQL behind a relay the test cuts. Nothing
/// planned is lost, nothing delivered is sent again, and neither loop ends.
/// </summary>
public sealed class AlertingStoreOutageTests : IAsyncLifetime
{
    private TcpRelay _relay = null!;
    private SqlNotificationStore _direct = null!;
    private SqlNotificationStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await new SchemaMigrator(new PostgresDialect(database.ToString())).MigrateAsync();
        _direct = new SqlNotificationStore(new PostgresDialect(database.ToString()));
        _relay = TcpRelay.Start(database.Host, database.Port);
        _store = new SqlNotificationStore(new PostgresDialect(new UriBuilder(database) { Port = _relay.Port }.Uri.ToString()));
    }

    private static BallastConfig Config(string hookUrl) => ConfigLoader.Parse($$"""
        channels:
          hooks: { type: webhook, url: "{{hookUrl}}" }
        alerting:
          group_wait: 5s
          routes: [ { channels: [hooks] } ]
        monitors:
          - { name: api, type: tcp, target: "h:1" }
        """, "ballast.yaml").Require();

    [Fact]
    public async Task Dispatcher_StoreGoesAwayBetweenSendAndMark_MarkedWhenItReturns_SentOnce()
    {
        var hits = 0;
        // The database goes away while the channel's service is answering: the send succeeded, its mark cannot be stored.
        await using var hook = await TestWebServer.StartAsync(app => app.MapPost("/hook", () =>
        {
            Interlocked.Increment(ref hits);
            _relay.Cut();
            return Results.Ok();
        }));
        var log = new RecordingLogger<NotificationDispatcher>();
        using var services = new AlertingServices(_store, TimeProvider.System, s => s.AddSingleton<ILogger<NotificationDispatcher>>(log));
        var dispatcher = services.Dispatcher;
        dispatcher.Configure(Config(hook.Url("/hook").ToString()));
        var now = TimeProvider.System.GetUtcNow();
        var item = new AlertItem("i1", "api", "tcp", Severity.Critical, "connection refused", now, now, null, 2, null);
        await _store.AddAsync([new Notification("n1", "hooks", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", now), "i1",
            NotificationStatus.Pending, 0, now, now)]);

        var sending = dispatcher.SendAsync(Assert.Single(await _store.DueAsync(now, 10)), CancellationToken.None);
        await log.WaitForAsync(LogEvents.Storage.NotificationStoreFailed);
        _relay.Restore();
        await sending.WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

        var stored = Assert.Single(await _direct.ListAsync());
        Assert.Equal((NotificationStatus.Delivered, 1), (stored.Status, stored.Attempts));
        Assert.Empty(await _direct.DueAsync(TimeProvider.System.GetUtcNow().AddHours(1), 10));
        Assert.Equal(1, hits);
    }

    [Fact]
    public async Task Planner_StoreAwayWhenAMessageFallsDue_StoredOnceWhenItReturns()
    {
        var log = new RecordingLogger<AlertPlanner>();
        using var services = new AlertingServices(_store, TimeProvider.System, s => s.AddSingleton<ILogger<AlertPlanner>>(log));
        var planner = services.Planner;
        planner.Configure(Config("http://127.0.0.1:9/hook"));
        var now = TimeProvider.System.GetUtcNow();
        // Detected a minute ago, so its group window is over and the message is due at once.
        planner.Observe(new Incident("i1", "api", now.AddMinutes(-2), now.AddMinutes(-1), null, "connection refused"),
            new TcpMonitorConfig { Name = "api", Target = "h:1", Severity = Severity.Critical }, 2);
        _relay.Cut();

        var step = planner.StepAsync(CancellationToken.None);
        await log.WaitForAsync(LogEvents.Storage.NotificationStoreFailed);
        _relay.Restore();
        await step.WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        await planner.StepAsync(CancellationToken.None);

        var stored = Assert.Single(await _direct.ListAsync());
        Assert.Equal(("hooks", NotificationKind.Firing, "i1"), (stored.Channel, stored.Message.Kind, stored.DedupKey));
    }

    public async ValueTask DisposeAsync()
    {
        await _relay.DisposeAsync();
    }
}
