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
        Assert.Equal(5, waiting.Count(n => n.Channel == "hooks" && n.Attempts == 1));
        Assert.Equal(3, waiting.Count(n => n.Channel == "hooks" && n.Attempts == 0));
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

    private Task QueueAsync(string channel, params (string Id, int Attempts)[] notifications)
    {
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "[STATUS] == 200 failed: got 503", T0, T0, null, 2, null);
        return _store.AddAsync(notifications.Select(n => new Notification(n.Id, channel,
            new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), n.Id, NotificationStatus.Pending, n.Attempts, T0, T0)).ToArray());
    }

    private async Task SendDueAsync(string channel)
    {
        foreach (var n in (await _store.DueAsync(_time.GetUtcNow(), 20)).Where(n => n.Channel == channel).OrderBy(n => n.Id, StringComparer.Ordinal))
            await _dispatcher.SendAsync(n, CancellationToken.None);
    }

    private async Task<Notification> StoredAsync(string id) => (await _store.ListAsync()).Single(n => n.Id == id);

    [Fact]
    public async Task ServiceKeepsFailing_AnotherChannelOnTheSameHost_DeliveredOnItsFirstAttempt()
    {
        // Two workspaces' webhooks on one host (as two Slack webhooks both live on hooks.slack.com): one of them failing
        // leaves the other's breaker closed.
        _dispatcher.Configure(ConfigLoader.Parse($$"""
            channels:
              ops: { type: webhook, url: "{{_receiver.Url("/ops")}}" }
              team: { type: webhook, url: "{{_receiver.Url("/team")}}" }
            """, "ballast.yaml").Require());
        _receiver.AnswerAlways("/ops", 503);
        await QueueAsync("ops", ("o1", 0), ("o2", 0), ("o3", 0), ("o4", 0), ("o5", 0), ("o6", 0));
        await QueueAsync("team", ("t1", 0));

        await SendDueAsync("ops");
        Assert.StartsWith("not sent: the last 5 requests to ", (await StoredAsync("o6")).LastError);
        await SendDueAsync("team");

        var team = await StoredAsync("t1");
        Assert.Equal((NotificationStatus.Delivered, 1), (team.Status, team.Attempts));
        Assert.Single(_receiver.Requests, r => r.Path == "/team" && r.Answered == 200);
    }

    [Fact]
    public async Task HeldBackByTheBreaker_KeepsItsAttempts_NotReportedAsFailing_DueWhenTheBreakerLetsOneThrough()
    {
        _receiver.DefaultStatus = 503;
        // The sixth has failed twice before: one more attempt would report the channel as failing on the others.
        await QueueAsync("hooks", ("n1", 0), ("n2", 0), ("n3", 0), ("n4", 0), ("n5", 0), ("n6", NotificationDispatcher.FailingAfter - 1));

        await SendDueAsync("hooks");

        var held = await StoredAsync("n6");
        Assert.Equal((NotificationStatus.Pending, NotificationDispatcher.FailingAfter - 1), (held.Status, held.Attempts));
        Assert.Equal(T0 + ChannelHttp.BreakDuration, held.NextAttemptAt);
        Assert.Equal(ChannelHttp.BreakAfter, _receiver.Requests.Count);
        Assert.DoesNotContain(await _store.ListAsync(), n => n.Message.Kind == NotificationKind.ChannelFailing);

        _receiver.DefaultStatus = 200;
        _time.Advance(ChannelHttp.BreakDuration);
        await SendDueAsync("hooks");
        var sent = await StoredAsync("n6");
        Assert.Equal((NotificationStatus.Delivered, NotificationDispatcher.FailingAfter), (sent.Status, sent.Attempts));
    }

    [Fact]
    public async Task RateLimited_DoesNotOpenTheBreaker()
    {
        // A 429 says the service is up and asks for fewer requests: the dispatcher's backoff slows down, the breaker stays shut.
        _receiver.DefaultStatus = 429;
        await QueueAsync("hooks", ("n1", 0), ("n2", 0), ("n3", 0), ("n4", 0), ("n5", 0), ("n6", 0));

        await SendDueAsync("hooks");

        Assert.Equal(6, _receiver.Requests.Count);
        Assert.All(await _store.ListAsync(NotificationStatus.Pending), n => Assert.Equal("429 Too Many Requests: unavailable", n.LastError));
    }

    [Fact]
    public async Task RateLimitedWithRetryAfter_NothingMoreSentToTheChannelBeforeThen()
    {
        var requests = 0;
        await using var limited = await TestWebServer.StartAsync(app => app.MapPost("/hook", (HttpContext context) =>
        {
            if (Interlocked.Increment(ref requests) > 1) return Results.Text("ok");
            context.Response.Headers.RetryAfter = "60";
            return Results.StatusCode(429);
        }));
        _dispatcher.Configure(ConfigLoader.Parse($"channels:\n  hooks: {{ type: webhook, url: '{limited.Url("/hook")}' }}\n", "ballast.yaml").Require());
        await QueueAsync("hooks", ("n1", 0), ("n2", 0));

        await SendDueAsync("hooks");

        Assert.Equal(1, requests);
        var (first, second) = (await StoredAsync("n1"), await StoredAsync("n2"));
        Assert.Equal((1, T0.AddSeconds(60)), (first.Attempts, first.NextAttemptAt));
        Assert.Equal((0, T0.AddSeconds(60)), (second.Attempts, second.NextAttemptAt));
        Assert.Contains("Retry-After", second.LastError, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await _store.DueAsync(_time.GetUtcNow(), 10));
        _time.Advance(TimeSpan.FromSeconds(1));
        await SendDueAsync("hooks");
        Assert.Equal(2, (await _store.ListAsync(NotificationStatus.Delivered)).Count);
        Assert.Equal(3, requests);
    }

    [Fact]
    public async Task HeldBackByTheBreaker_ChannelUrlWithUserInfo_PasswordNeverStored()
    {
        var url = new UriBuilder(_receiver.Url("/hook")) { UserName = "alice", Password = "pa55word" }.Uri;
        _dispatcher.Configure(ConfigLoader.Parse($"channels:\n  hooks: {{ type: webhook, url: '{url}' }}\n", "ballast.yaml").Require());
        _receiver.DefaultStatus = 503;
        await QueueAsync("hooks", ("n1", 0), ("n2", 0), ("n3", 0), ("n4", 0), ("n5", 0), ("n6", 0));

        await SendDueAsync("hooks");

        var authority = _receiver.Url("/").GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        Assert.Equal($"not sent: the last 5 requests to {authority} failed, so it is left alone for 30s more", (await StoredAsync("n6")).LastError);
        Assert.All(await _store.ListAsync(), n => Assert.DoesNotContain("pa55word", n.LastError, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        _services.Dispose();
        await _receiver.DisposeAsync();
        _temp.Dispose();
    }
}
