using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Storage.Alerting;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Alerting;

/// <summary>Durable delivery on a fake clock against a local receiver that fails as the test tells it to.</summary>
public sealed class NotificationDispatcherTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private TestReceiver _receiver = null!;
    private TempAlertStore _temp = null!;
    private SqlNotificationStore _store = null!;
    private AlertingServices _services = null!;
    private NotificationDispatcher _dispatcher = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _temp = await TempAlertStore.CreateAsync();
        _store = _temp.Store;
        _services = new AlertingServices(_store, _time);
        _dispatcher = _services.Dispatcher;
        _dispatcher.Configure(Config("24h"));
    }

    private BallastConfig Config(string giveUpAfter, bool withChannel = true) => ConfigLoader.Parse($$"""
        channels:
          {{(withChannel ? $"hooks: {{ type: webhook, url: \"{_receiver.Url("/hook")}\" }}" : "other: { type: webhook, url: \"http://127.0.0.1:9/\" }")}}
          backup: { type: webhook, url: "{{_receiver.Url("/backup")}}" }
        alerting: { give_up_after: {{giveUpAfter}} }
        """, "ballast.yaml").Require();

    private async Task<Notification> Queue()
    {
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "[STATUS] == 200 failed: got 503", T0, T0, null, 2, null);
        var n = new Notification("n1", "hooks", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), "i1",
            NotificationStatus.Pending, 0, T0, T0);
        await _store.AddAsync([n]);
        return n;
    }

    private async Task<Notification> SendDueAsync()
    {
        var due = Assert.Single(await _store.DueAsync(_time.GetUtcNow(), 10), n => n.Id == "n1");
        await _dispatcher.SendAsync(due, CancellationToken.None);
        return (await _store.ListAsync()).Single(n => n.Id == "n1");
    }

    [Fact]
    public async Task Failures_RetriedWithBackoff_ThenDeliveredOnce()
    {
        await Queue();
        _receiver.Answer(500, "busy");
        _receiver.Answer(503);

        var first = await SendDueAsync();
        Assert.Equal((NotificationStatus.Pending, 1, T0.AddSeconds(5)), (first.Status, first.Attempts, first.NextAttemptAt));
        Assert.Equal("500 Internal Server Error: busy", first.LastError);
        Assert.Empty(await _store.DueAsync(_time.GetUtcNow().AddSeconds(4), 10));

        _time.Advance(TimeSpan.FromSeconds(5));
        var second = await SendDueAsync();
        Assert.Equal((2, T0.AddSeconds(15)), (second.Attempts, second.NextAttemptAt));

        _time.Advance(TimeSpan.FromSeconds(10));
        var third = await SendDueAsync();
        Assert.Equal((NotificationStatus.Delivered, 3), (third.Status, third.Attempts));
        Assert.Equal(T0.AddSeconds(15), third.DeliveredAt);

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await _store.DueAsync(_time.GetUtcNow(), 10));
        Assert.Equal(3, _receiver.Requests.Count);
    }

    [Fact]
    public async Task ChannelKeepsFailing_ToldOnceOnTheOtherChannels()
    {
        await Queue();
        for (var i = 0; i < 5; i++) _receiver.Answer(502, "bad gateway");

        for (var attempt = 0; attempt < 4; attempt++)
        {
            foreach (var n in (await _store.DueAsync(_time.GetUtcNow(), 10)).Where(n => n.Channel == "hooks"))
                await _dispatcher.SendAsync(n, CancellationToken.None);
            _time.Advance(TimeSpan.FromMinutes(5));
        }

        var report = Assert.Single(await _store.ListAsync(NotificationStatus.Pending), n => n.Channel == "backup");
        Assert.Equal("[CRITICAL] alerts to channel hooks are failing: 502 Bad Gateway: bad gateway", AlertText.Subject(report.Message));
        await _dispatcher.SendAsync(report, CancellationToken.None);
        var sent = _receiver.Requests.Single(r => r.Path == "/backup");
        Assert.Contains("channel hooks are failing", sent.Body);
    }

    [Fact]
    public async Task ServiceKeepsFailing_LeftAloneAfterFiveFailures_TriedAgainAfterItsRest()
    {
        _receiver.DefaultStatus = 503;
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "[STATUS] == 200 failed: got 503", T0, T0, null, 2, null);
        await _store.AddAsync(Enumerable.Range(1, 8).Select(i => new Notification($"n{i}", "hooks",
            new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), $"i{i}", NotificationStatus.Pending, 0, T0, T0)).ToArray());

        foreach (var n in await _store.DueAsync(_time.GetUtcNow(), 10)) await _dispatcher.SendAsync(n, CancellationToken.None);

        // A backlog to a dead service costs five requests, not one each: the rest are kept for their next attempt.
        Assert.Equal(ChannelHttp.BreakAfter, _receiver.Requests.Count);
        var waiting = await _store.ListAsync(NotificationStatus.Pending);
        Assert.Equal(8, waiting.Count(n => n.Channel == "hooks" && n.Attempts == 1));
        var authority = _receiver.Url("/").GetLeftPart(UriPartial.Authority);
        Assert.Equal(3, waiting.Count(n => n.LastError == $"not sent: the last 5 requests to {authority} failed, so it is left alone for 30s more"));

        _receiver.DefaultStatus = 200;
        _time.Advance(ChannelHttp.BreakDuration);
        foreach (var n in (await _store.DueAsync(_time.GetUtcNow(), 10)).Where(n => n.Channel == "hooks"))
            await _dispatcher.SendAsync(n, CancellationToken.None);

        Assert.Equal(8, (await _store.ListAsync(NotificationStatus.Delivered)).Count);
        Assert.Equal(ChannelHttp.BreakAfter + 8, _receiver.Requests.Count);
    }

    [Fact]
    public async Task ServiceHangs_LeftAloneAfterFiveTimeouts()
    {
        await using var hanging = await TestWebServer.StartAsync(app => app.MapPost("/hook", (HttpContext context) =>
            Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted)));
        _dispatcher.Configure(ConfigLoader.Parse($"channels:\n  hooks: {{ type: webhook, url: '{hanging.Url("/hook")}', timeout: 10s }}\n",
            "ballast.yaml").Require());
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "[STATUS] == 200 failed: got 503", T0, T0, null, 2, null);
        await _store.AddAsync(Enumerable.Range(1, 6).Select(i => new Notification($"n{i}", "hooks",
            new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), $"i{i}", NotificationStatus.Pending, 0, T0, T0)).ToArray());

        foreach (var n in (await _store.DueAsync(_time.GetUtcNow(), 10)).OrderBy(n => n.Id))
        {
            // Each attempt's deadline is on Ballast's clock: moving it past the channel's timeout ends a hung request.
            var sending = _dispatcher.SendAsync(n, CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(10));
            await sending.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }

        var errors = (await _store.ListAsync(NotificationStatus.Pending)).OrderBy(n => n.Id).Select(n => n.LastError).ToArray();
        Assert.Equal(Enumerable.Repeat("timed out after 10s", 5), errors[..5]);
        Assert.StartsWith("not sent: the last 5 requests to ", errors[5]);
    }

    [Fact]
    public async Task ClientError_IsPermanent()
    {
        await Queue();
        _receiver.Answer(400, "invalid_payload");

        var failed = await SendDueAsync();

        Assert.Equal(NotificationStatus.Failed, failed.Status);
        Assert.Equal("400 Bad Request: invalid_payload", failed.LastError);
        Assert.Single(await _store.ListAsync(NotificationStatus.Failed));
        Assert.Single(await _store.ListAsync(NotificationStatus.Pending), n => n.Channel == "backup" && n.Message.Kind == NotificationKind.ChannelFailing);
    }

    [Fact]
    public async Task GiveUpAfter_Passed_MarksFailed()
    {
        _dispatcher.Configure(Config("1m"));
        await Queue();
        _receiver.Answer(500);
        _receiver.Answer(500);
        await SendDueAsync();

        _time.Advance(TimeSpan.FromMinutes(2));
        var failed = await SendDueAsync();

        Assert.Equal((NotificationStatus.Failed, 2), (failed.Status, failed.Attempts));
    }

    [Fact]
    public async Task ChannelRemovedFromConfig_MarksFailedWithoutSending()
    {
        _dispatcher.Configure(Config("24h", withChannel: false));
        await Queue();

        var failed = await SendDueAsync();

        Assert.Equal("channel \"hooks\" is no longer configured", failed.LastError);
        Assert.Empty(_receiver.Requests);
    }

    public async ValueTask DisposeAsync()
    {
        _services.Dispose();
        await _receiver.DisposeAsync();
        _temp.Dispose();
    }
}
