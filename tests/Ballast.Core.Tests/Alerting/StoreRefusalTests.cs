using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Storage;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Alerting;

/// <summary>
/// A real SQLite database that refuses some rows (a trigger raising an abort, the constraint failure a database gives
/// for data it will never take): the planner and the dispatcher set the refused one aside, log and count it, and go on
/// with the others instead of retrying it forever.
/// </summary>
public sealed class StoreRefusalTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);
    // Every wait here is on the fake clock, so a refusal retried like an outage would never finish: bounded in real time.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly StoreRefusals _refusals = new(StorageFailure.Classifier);
    private readonly RecordingLogger<AlertPlanner> _plannerLog = new();
    private readonly RecordingLogger<NotificationDispatcher> _dispatcherLog = new();
    private TestReceiver _receiver = null!;
    private TempAlertStore _temp = null!;
    private AlertingServices _services = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _temp = await TempAlertStore.CreateAsync();
        _services = new AlertingServices(_temp.Store, _time, s => s
            .AddSingleton(_refusals)
            .AddSingleton<ILogger<AlertPlanner>>(_plannerLog)
            .AddSingleton<ILogger<NotificationDispatcher>>(_dispatcherLog));
    }

    private BallastConfig Config() => ConfigLoader.Parse($$"""
        channels:
          hooks: { type: webhook, url: "{{_receiver.Url("/hooks")}}" }
          stubborn: { type: webhook, url: "{{_receiver.Url("/stubborn")}}" }
          refused: { type: webhook, url: "{{_receiver.Url("/refused")}}" }
        alerting:
          group_wait: 0s
          routes: [ { channels: [hooks, stubborn, refused] } ]
        monitors:
          - { name: api, type: tcp, target: "h:1" }
        """, "ballast.yaml").Require();

    [Fact]
    public async Task Planner_StoreRefusesOneNotification_OthersStoredAndDelivered_RefusedOneLoggedAndCounted()
    {
        await _temp.ExecuteAsync("""
            CREATE TRIGGER refuse_channel BEFORE INSERT ON notifications WHEN NEW.channel = 'refused'
            BEGIN SELECT RAISE(ABORT, 'this database refuses the channel'); END
            """);
        var planner = _services.Planner;
        planner.Configure(Config());
        planner.Observe(new Incident("i1", "api", T0.AddMinutes(-1), T0, null, "connection refused (h:1)"),
            new TcpMonitorConfig { Name = "api", Target = "h:1", Severity = Severity.Critical }, 2);

        await planner.StepAsync(CancellationToken.None).WaitAsync(Bound);

        var stored = await _temp.Store.ListAsync();
        Assert.Equal(["hooks", "stubborn"], stored.Select(n => n.Channel).Order(StringComparer.Ordinal));
        var setAside = Assert.Single(_plannerLog.Entries, e => e.Id.Id == LogEvents.Storage.NotificationSetAside).Message;
        Assert.Contains("Firing notification", setAside, StringComparison.Ordinal);
        Assert.Contains("to refused for api (incident i1)", setAside, StringComparison.Ordinal);
        Assert.Contains("this database refuses the channel", setAside, StringComparison.Ordinal);
        Assert.Equal(1, _refusals.Status.SetAside);
        Assert.Contains("to refused", _refusals.Status.LastSetAside, StringComparison.Ordinal);

        var dispatcher = _services.Dispatcher;
        dispatcher.Configure(Config());
        foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 10)) await dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(["/hooks", "/stubborn"], _receiver.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(await _temp.Store.ListAsync(), n => Assert.Equal(NotificationStatus.Delivered, n.Status));
    }

    [Fact]
    public async Task Dispatcher_StoreRefusesTheDeliveryRecord_MarkedFailedWithTheReason_NeverSentAgain_OthersDelivered()
    {
        await _temp.ExecuteAsync("""
            CREATE TRIGGER refuse_delivery BEFORE UPDATE ON notifications WHEN NEW.channel = 'stubborn' AND NEW.status = 'Delivered'
            BEGIN SELECT RAISE(ABORT, 'this database refuses the delivery record'); END
            """);
        var planner = _services.Planner;
        planner.Configure(Config());
        planner.Observe(new Incident("i1", "api", T0.AddMinutes(-1), T0, null, "connection refused (h:1)"),
            new TcpMonitorConfig { Name = "api", Target = "h:1", Severity = Severity.Critical }, 2);
        await planner.StepAsync(CancellationToken.None).WaitAsync(Bound);
        var dispatcher = _services.Dispatcher;
        dispatcher.Configure(Config());

        foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 10)) await dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);
        _time.Advance(TimeSpan.FromHours(1));
        foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 10)) await dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);

        var byChannel = (await _temp.Store.ListAsync()).ToDictionary(n => n.Channel, StringComparer.Ordinal);
        Assert.Equal(NotificationStatus.Failed, byChannel["stubborn"].Status);
        Assert.Contains("this database refuses the delivery record", byChannel["stubborn"].LastError, StringComparison.Ordinal);
        Assert.Equal((NotificationStatus.Delivered, NotificationStatus.Delivered), (byChannel["hooks"].Status, byChannel["refused"].Status));
        Assert.Single(_receiver.Requests, r => r.Path == "/stubborn");
        Assert.Contains("the delivery record of Firing notification", Assert.Single(_dispatcherLog.Entries, e => e.Id.Id == LogEvents.Storage.NotificationSetAside).Message,
            StringComparison.Ordinal);
        Assert.Equal(1, _refusals.Status.SetAside);
    }

    private async Task QueueAsync(string id, string channel)
    {
        var item = new AlertItem("i1", "api", "tcp", Severity.Critical, "connection refused (h:1)", T0, T0, null, 2, null);
        await _temp.Store.AddAsync([new Notification(id, channel, new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), id,
            NotificationStatus.Pending, 0, T0, T0)]);
    }

    [Fact]
    public async Task Dispatcher_StoreRefusesEveryChangeToAWholeBatch_AnotherRetryStillGoesOutAfterFiveSeconds()
    {
        // As many set-aside notifications as the dispatcher reads at once: they stay Pending and due in the store, first
        // in every read, and must neither hide nor delay the others.
        await _temp.ExecuteAsync("""
            CREATE TRIGGER refuse_hooks BEFORE UPDATE ON notifications WHEN OLD.channel = 'hooks'
            BEGIN SELECT RAISE(ABORT, 'this database refuses every change to this row'); END
            """);
        for (var i = 0; i < 100; i++) await QueueAsync($"stuck{i:000}", "hooks");
        var dispatcher = _services.Dispatcher;
        dispatcher.Configure(Config());
        foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 100)) await dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(100, _refusals.Status.SetAside);
        // Another notification whose first attempt failed: its retry is due 5 s later.
        var item = new AlertItem("i2", "db", "tcp", Severity.Critical, "connection refused (h:2)", T0, T0, null, 2, null);
        await _temp.Store.AddAsync([new Notification("retry", "stubborn", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), "i2",
            NotificationStatus.Pending, 1, T0, T0.AddSeconds(5), LastError: "503 Service Unavailable")]);
        using var stop = new CancellationTokenSource();
        var running = dispatcher.RunAsync(stop.Token);

        _time.Advance(TimeSpan.FromSeconds(5));

        for (var i = 0; i < 100; i++) await _receiver.NextAsync(Bound);
        Assert.Equal("/stubborn", (await _receiver.NextAsync(Bound)).Path);
        Assert.Equal(100, _receiver.Requests.Count(r => r.Path == "/hooks"));
        await stop.CancelAsync();
        await Task.WhenAny(running, Task.Delay(Bound, TestContext.Current.CancellationToken));
        Assert.True(running.IsCompleted);
    }

    [Fact]
    public async Task Dispatcher_StoreRefusesTheDeliveryAndFailureRecords_StatusAloneStored_NotSentAgainAfterARestart()
    {
        await _temp.ExecuteAsync("""
            CREATE TRIGGER refuse_attempts BEFORE UPDATE OF attempts ON notifications WHEN OLD.id = 'stuck'
            BEGIN SELECT RAISE(ABORT, 'this database refuses the attempt count of this row'); END
            """);
        await QueueAsync("stuck", "hooks");
        var dispatcher = _services.Dispatcher;
        dispatcher.Configure(Config());
        foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 10)) await dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);

        using var restarted = new AlertingServices(_temp.Store, _time, s => s.AddSingleton(_refusals));
        restarted.Dispatcher.Configure(Config());
        _time.Advance(TimeSpan.FromHours(1));
        foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 10)) await restarted.Dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(NotificationStatus.Failed, Assert.Single(await _temp.Store.ListAsync()).Status);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task Dispatcher_StoreRefusesTheAcceptedRecipients_SetAsideAsFailed_NobodyTextedTwice()
    {
        await _temp.ExecuteAsync("""
            CREATE TRIGGER refuse_accepted BEFORE UPDATE OF accepted ON notifications
            BEGIN SELECT RAISE(ABORT, 'this database refuses the accepted recipients'); END
            """);
        await QueueAsync("n1", "sms");
        var dispatcher = _services.Dispatcher;
        dispatcher.Configure(ConfigLoader.Parse($"channels:\n  sms: {{ type: sms_webhook, url: '{_receiver.Url("/sms")}', to: ['+15552223333', '+15554445555'] }}\n",
            "ballast.yaml").Require());
        _receiver.Answer(200);
        _receiver.Answer(503);

        for (var round = 0; round < 3; round++)
        {
            foreach (var n in await _temp.Store.DueAsync(_time.GetUtcNow(), 10)) await dispatcher.SendAsync(n, CancellationToken.None).WaitAsync(Bound);
            _time.Advance(TimeSpan.FromMinutes(5));
        }

        var failed = Assert.Single(await _temp.Store.ListAsync());
        Assert.Equal(NotificationStatus.Failed, failed.Status);
        Assert.Contains("this database refuses the accepted recipients", failed.LastError, StringComparison.Ordinal);
        Assert.Single(_receiver.Requests, r => r.Body.Contains("15552223333", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        _services.Dispose();
        await _receiver.DisposeAsync();
        _temp.Dispose();
    }
}
