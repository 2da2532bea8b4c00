using System.Text.Json;
using System.Web;
using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Alerting;

/// <summary>Each service's request exactly as its public API documents it, checked at a local receiver.</summary>
public sealed class ChannelFormatTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private TestReceiver _receiver = null!;
    // The senders as the composition root registers them; SigV4 signs with the time of this clock.
    private readonly ServiceProvider _channels = new ServiceCollection().AddBallastChannels(new FakeTimeProvider(T0)).BuildServiceProvider();

    public async ValueTask InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    private T Sender<T>() where T : IChannelSender => _channels.GetServices<IChannelSender>().OfType<T>().Single();

    private static Notification Message(NotificationKind kind, int incidents = 1)
    {
        var items = Enumerable.Range(1, incidents).Select(i => new AlertItem($"inc-{i}", $"api-{i}", "http", Severity.Critical,
            "[STATUS] == 200 failed: got 503", T0, T0.AddSeconds(5), kind == NotificationKind.Resolved ? T0.AddMinutes(4) : null, 2,
            "https://runbooks.example.com/api")).ToArray();
        return new Notification("n1", "c", new AlertMessage(kind, items, "https://ballast.example.com/", T0.AddSeconds(10)), "inc-1",
            NotificationStatus.Pending, 0, T0, T0);
    }

    private static T Channel<T>(string yaml) where T : ChannelConfig =>
        (T)ConfigLoader.Parse($"channels:\n  c: {yaml}\n", "ballast.yaml").Require().Channels["c"];

    private static JsonElement Json(TestReceiver.Request r) => JsonDocument.Parse(r.Body).RootElement;

    [Fact]
    public async Task PagerDuty_TriggerAndResolve_ShareTheIncidentsDedupKey()
    {
        var sender = Sender<PagerDutySender>();
        var config = Channel<PagerDutyChannelConfig>($"{{ type: pagerduty, routing_key: R0UTING, api_url: '{_receiver.Url("/v2/enqueue")}' }}");
        _receiver.Answer(202, """{"status":"success","message":"Event processed","dedup_key":"inc-1"}""");

        var receipt = await sender.SendAsync("c", config, Message(NotificationKind.Firing, incidents: 2), CancellationToken.None);
        await sender.SendAsync("c", config, Message(NotificationKind.Resolved), CancellationToken.None);
        var repeat = await sender.SendAsync("c", config, Message(NotificationKind.Repeat), CancellationToken.None);

        var (first, second, resolve) = (_receiver.Requests[0], _receiver.Requests[1], _receiver.Requests[2]);
        Assert.Equal(("POST", "/v2/enqueue"), (first.Method, first.Path));
        var trigger = Json(first);
        Assert.Equal("R0UTING", trigger.GetProperty("routing_key").GetString());
        Assert.Equal("trigger", trigger.GetProperty("event_action").GetString());
        Assert.Equal("inc-1", trigger.GetProperty("dedup_key").GetString());
        Assert.Equal("inc-2", Json(second).GetProperty("dedup_key").GetString());
        var payload = trigger.GetProperty("payload");
        Assert.Equal("api-1 is DOWN: [STATUS] == 200 failed: got 503", payload.GetProperty("summary").GetString());
        Assert.Equal("api-1", payload.GetProperty("source").GetString());
        Assert.Equal("critical", payload.GetProperty("severity").GetString());
        Assert.Equal("2026-11-27T10:00:00.000Z", payload.GetProperty("timestamp").GetString());
        Assert.Equal("https://runbooks.example.com/api", trigger.GetProperty("links")[1].GetProperty("href").GetString());
        Assert.Equal(JsonValueKind.Object, payload.GetProperty("custom_details").ValueKind);
        var resolved = Json(resolve);
        Assert.Equal(("resolve", "inc-1"), (resolved.GetProperty("event_action").GetString(), resolved.GetProperty("dedup_key").GetString()));
        Assert.False(resolved.TryGetProperty("payload", out _));
        Assert.StartsWith("202 Accepted", receipt.Response);
        Assert.StartsWith("not sent", repeat.Response);
        Assert.Equal(3, _receiver.Requests.Count);
    }

    [Fact]
    public async Task Opsgenie_CreateByAliasWithGenieKey_CloseByAlias()
    {
        var sender = Sender<OpsgenieSender>();
        var config = Channel<OpsgenieChannelConfig>($"{{ type: opsgenie, api_key: k3y, api_url: '{_receiver.Url("/")}', tags: [prod] }}");

        await sender.SendAsync("c", config, Message(NotificationKind.Firing), CancellationToken.None);
        await sender.SendAsync("c", config, Message(NotificationKind.Resolved), CancellationToken.None);

        var (create, close) = (_receiver.Requests[0], _receiver.Requests[1]);
        Assert.Equal(("POST", "/v2/alerts"), (create.Method, create.Path));
        Assert.Equal("GenieKey k3y", create.Headers["Authorization"]);
        var alert = Json(create);
        Assert.Equal("inc-1", alert.GetProperty("alias").GetString());
        Assert.Equal("P1", alert.GetProperty("priority").GetString());
        Assert.True(alert.GetProperty("message").GetString()!.Length <= 130);
        Assert.Equal(["prod", "http"], alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("/v2/alerts/inc-1/close?identifierType=alias", close.Path);
        Assert.Equal("GenieKey k3y", close.Headers["Authorization"]);
        Assert.Equal("Ballast", Json(close).GetProperty("source").GetString());
    }

    [Fact]
    public async Task Discord_ContentAndEmbed()
    {
        var sender = Sender<DiscordSender>();
        _receiver.Answer(204);

        await sender.SendAsync("c", Channel<DiscordChannelConfig>($"{{ type: discord, webhook_url: '{_receiver.Url("/api/webhooks/1/abc")}' }}"),
            Message(NotificationKind.Firing), CancellationToken.None);

        var body = Json(_receiver.Requests[0]);
        Assert.Equal("/api/webhooks/1/abc", _receiver.Requests[0].Path);
        Assert.Equal("Ballast", body.GetProperty("username").GetString());
        Assert.Equal("[CRITICAL] api-1 is DOWN: [STATUS] == 200 failed: got 503", body.GetProperty("content").GetString());
        Assert.Equal(0xCF222E, body.GetProperty("embeds")[0].GetProperty("color").GetInt32());
    }

    [Fact]
    public async Task Teams_AdaptiveCardAttachment()
    {
        var sender = Sender<TeamsSender>();
        _receiver.Answer(202);

        await sender.SendAsync("c", Channel<TeamsChannelConfig>($"{{ type: teams, webhook_url: '{_receiver.Url("/workflows/xyz/triggers/manual/paths/invoke")}' }}"),
            Message(NotificationKind.Firing), CancellationToken.None);

        var body = Json(_receiver.Requests[0]);
        Assert.Equal("message", body.GetProperty("type").GetString());
        var attachment = body.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card.GetProperty("$schema").GetString());
        Assert.Equal("[CRITICAL] api-1 is DOWN: [STATUS] == 200 failed: got 503", card.GetProperty("body")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Telegram_SendMessageWithHtml()
    {
        var sender = Sender<TelegramSender>();
        _receiver.Answer(200, """{"ok":true,"result":{"message_id":7}}""");

        await sender.SendAsync("c", Channel<TelegramChannelConfig>($"{{ type: telegram, bot_token: '123:ABC', chat_id: '-1001', api_url: '{_receiver.Url("/")}' }}"),
            Message(NotificationKind.Firing), CancellationToken.None);

        var request = _receiver.Requests[0];
        Assert.Equal("/bot123:ABC/sendMessage", request.Path);
        var body = Json(request);
        Assert.Equal("-1001", body.GetProperty("chat_id").GetString());
        Assert.Equal("HTML", body.GetProperty("parse_mode").GetString());
        Assert.StartsWith("<b>[CRITICAL] api-1 is DOWN: [STATUS] == 200 failed: got 503</b>", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Ntfy_BodyAndHeaders()
    {
        var sender = Sender<NtfySender>();

        await sender.SendAsync("c", Channel<NtfyChannelConfig>($"{{ type: ntfy, url: '{_receiver.Url("/acme-alerts")}', token: tk_s3cret }}"),
            Message(NotificationKind.Firing), CancellationToken.None);

        var request = _receiver.Requests[0];
        Assert.Equal(("POST", "/acme-alerts"), (request.Method, request.Path));
        Assert.Equal("[CRITICAL] api-1 is DOWN: [STATUS] == 200 failed: got 503", request.Headers["Title"]);
        Assert.Equal("urgent", request.Headers["Priority"]);
        Assert.Equal("rotating_light", request.Headers["Tags"]);
        Assert.Equal("https://ballast.example.com/incidents/inc-1", request.Headers["Click"]);
        Assert.Equal("Bearer tk_s3cret", request.Headers["Authorization"]);
        Assert.StartsWith("api-1 (http, critical) is DOWN since", request.Body);
    }

    [Fact]
    public async Task Template_ReplacesBallastsWords()
    {
        var sender = Sender<NtfySender>();
        var config = Channel<NtfyChannelConfig>($$$"""
            { type: ntfy, url: '{{{_receiver.Url("/t")}}}', template: { subject: "{{kind}}: {{monitor}} ({{severity}})", body: "{{monitor}} failed {{failed_checks}}x since {{since}}: {{cause}} -> {{url}}" } }
            """);

        await sender.SendAsync("c", config, Message(NotificationKind.Firing, incidents: 2), CancellationToken.None);

        var request = _receiver.Requests[0];
        Assert.Equal("DOWN: api-1 (critical)", request.Headers["Title"]);
        Assert.Equal("api-1 failed 2x since 2026-11-27 10:00:00 UTC: [STATUS] == 200 failed: got 503 -> https://ballast.example.com/incidents/inc-1\n\n" +
                     "api-2 failed 2x since 2026-11-27 10:00:00 UTC: [STATUS] == 200 failed: got 503 -> https://ballast.example.com/incidents/inc-2", request.Body);
    }

    [Fact]
    public async Task Twilio_OneFormPostPerRecipientWithBasicAuth()
    {
        var sender = Sender<TwilioSender>();
        _receiver.Answer(201, """{"sid":"SM1","status":"queued"}""");
        _receiver.Answer(201, """{"sid":"SM2","status":"queued"}""");
        var config = Channel<TwilioChannelConfig>($"{{ type: twilio, account_sid: AC123, auth_token: t0ken, from: '+15550001111', to: ['+15552223333', '+15554445555'], api_url: '{_receiver.Url("/")}' }}");

        var receipt = await sender.SendAsync("c", config, Message(NotificationKind.Firing), CancellationToken.None);

        Assert.Equal(2, _receiver.Requests.Count);
        var request = _receiver.Requests[0];
        Assert.Equal(("POST", "/2010-04-01/Accounts/AC123/Messages.json"), (request.Method, request.Path));
        Assert.Equal("Basic " + Convert.ToBase64String("AC123:t0ken"u8.ToArray()), request.Headers["Authorization"]);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Headers["Content-Type"]);
        var form = HttpUtility.ParseQueryString(request.Body);
        Assert.Equal(("+15552223333", "+15550001111"), (form["To"], form["From"]));
        Assert.StartsWith("[CRITICAL] api-1 is DOWN", form["Body"]);
        Assert.Equal("+15554445555", HttpUtility.ParseQueryString(_receiver.Requests[1].Body)["To"]);
        Assert.Contains("+15552223333: 201 Created", receipt.Response);
    }

    [Fact]
    public async Task SmsWebhook_JsonAndForm_OneRequestPerNumber()
    {
        var sender = Sender<SmsWebhookSender>();
        var json = Channel<SmsWebhookChannelConfig>($"{{ type: sms_webhook, url: '{_receiver.Url("/sms")}', to: ['+15552223333'], fields: {{ sender: BALLAST }}, headers: {{ X-Api-Key: k }} }}");
        var form = Channel<SmsWebhookChannelConfig>($"{{ type: sms_webhook, url: '{_receiver.Url("/send")}', to: ['+15552223333', '+15554445555'], format: form, to_field: msisdn, text_field: message }}");

        await sender.SendAsync("c", json, Message(NotificationKind.Firing), CancellationToken.None);
        await sender.SendAsync("c", form, Message(NotificationKind.Firing), CancellationToken.None);

        var first = _receiver.Requests[0];
        Assert.Equal("k", first.Headers["X-Api-Key"]);
        var body = Json(first);
        Assert.Equal(("+15552223333", "BALLAST"), (body.GetProperty("to").GetString(), body.GetProperty("sender").GetString()));
        Assert.Equal("[CRITICAL] api-1 is DOWN: [STATUS] == 200 failed: got 503 https://ballast.example.com/incidents/inc-1", body.GetProperty("text").GetString());
        Assert.Equal(3, _receiver.Requests.Count);
        var fields = HttpUtility.ParseQueryString(_receiver.Requests[2].Body);
        Assert.Equal("+15554445555", fields["msisdn"]);
        Assert.StartsWith("[CRITICAL] api-1 is DOWN", fields["message"]);
    }

    [Fact]
    public async Task Sns_PublishSignedWithSigV4()
    {
        var sender = Sender<SnsSender>();
        _receiver.Answer(200, "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>");
        var config = Channel<SnsChannelConfig>($"{{ type: sns, region: eu-west-1, access_key_id: AKIDEXAMPLE, secret_access_key: s3cret, to: ['+15552223333'], api_url: '{_receiver.Url("/")}' }}");

        var receipt = await sender.SendAsync("c", config, Message(NotificationKind.Firing), CancellationToken.None);

        var request = _receiver.Requests[0];
        var form = HttpUtility.ParseQueryString(request.Body);
        Assert.Equal(("Publish", "2010-03-31", "+15552223333"), (form["Action"], form["Version"], form["PhoneNumber"]));
        Assert.Equal("Transactional", form["MessageAttributes.entry.1.Value.StringValue"]);
        Assert.StartsWith("[CRITICAL] api-1 is DOWN", form["Message"]);
        Assert.Equal("20261127T100000Z", request.Headers["X-Amz-Date"]);
        var expected = AwsSigV4.Authorization("POST", _receiver.Url("/"),
            new Dictionary<string, string> { ["content-type"] = request.Headers["Content-Type"], ["host"] = request.Headers["Host"], ["x-amz-date"] = "20261127T100000Z" },
            System.Text.Encoding.UTF8.GetBytes(request.Body), "AKIDEXAMPLE", "s3cret", "eu-west-1", "sns", "20261127T100000Z");
        Assert.Equal(expected, request.Headers["Authorization"]);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/eu-west-1/sns/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=", expected);
        Assert.Contains("m-1", receipt.Response);
    }

    [Fact]
    public async Task ServiceRefusal_4xxIsPermanent_5xxIsRetried()
    {
        var sender = Sender<SlackSender>();
        var config = Channel<SlackChannelConfig>($"{{ type: slack, webhook_url: '{_receiver.Url("/services/x")}' }}");
        _receiver.Answer(404, "no_service");
        _receiver.Answer(503, "busy");

        var permanent = await Assert.ThrowsAsync<PermanentDeliveryException>(() => sender.SendAsync("c", config, Message(NotificationKind.Firing), CancellationToken.None));
        var transient = await Assert.ThrowsAsync<HttpRequestException>(() => sender.SendAsync("c", config, Message(NotificationKind.Firing), CancellationToken.None));

        Assert.Equal("404 Not Found: no_service", permanent.Message);
        Assert.Equal("503 Service Unavailable: busy", transient.Message);
    }

    [Fact]
    public async Task Webhook_ServiceSetsACookie_NextNotificationCarriesNone()
    {
        // The senders' client is the one the composition root registers: a webhook's session must not follow later messages.
        var cookies = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var service = await TestWebServer.StartAsync(app => app.MapPost("/hook", (HttpContext context) =>
        {
            cookies.Enqueue(context.Request.Headers.Cookie.ToString());
            context.Response.Headers.SetCookie = "session=abc; Path=/";
            return Results.Ok();
        }));
        var sender = Sender<WebhookSender>();
        var config = Channel<WebhookChannelConfig>($"{{ type: webhook, url: '{service.Url("/hook")}' }}");

        await sender.SendAsync("c", config, Message(NotificationKind.Firing), CancellationToken.None);
        await sender.SendAsync("c", config, Message(NotificationKind.Resolved), CancellationToken.None);

        Assert.Equal(["", ""], cookies.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _channels.DisposeAsync();
        await _receiver.DisposeAsync();
    }
}
