using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Storage.Alerting;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Ballast.Core.Tests.Alerting;

/// <summary>Email through a real SMTP server (Debian's aiosmtpd), read back from its Maildir.</summary>
public sealed class EmailChannelTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certs;
    private TempAlertStore _temp = null!;
    private SqlNotificationStore _store = null!;
    private readonly List<AlertingServices> _services = [];

    public EmailChannelTests() => _certs = new TestCertificates(_time);

    public async ValueTask InitializeAsync()
    {
        _temp = await TempAlertStore.CreateAsync();
        _store = _temp.Store;
    }

    private NotificationDispatcher Dispatcher(string smtp)
    {
        var services = new AlertingServices(_store, _time);
        _services.Add(services);
        var dispatcher = services.Dispatcher;
        dispatcher.Configure(ConfigLoader.Parse($$"""
            channels:
              oncall: { type: email, smtp: {{smtp}}, from: ballast@example.com, to: [oncall@example.com, lead@example.com] }
            """, "ballast.yaml").Require());
        return dispatcher;
    }

    private async Task<Notification> Queue(string id = "n1")
    {
        var item = new AlertItem("inc-1", "api-ready", "http", Severity.Critical, "[STATUS] == 200 failed: got 503", T0.AddSeconds(-5), T0, null, 2,
            "https://runbooks.example.com/api");
        var n = new Notification(id, "oncall", new AlertMessage(NotificationKind.Firing, [item], "https://ballast.example.com/", T0), "inc-1",
            NotificationStatus.Pending, 0, T0, T0);
        await _store.AddAsync([n]);
        return n;
    }

    private async Task<Notification> SendDue(NotificationDispatcher dispatcher)
    {
        foreach (var n in await _store.DueAsync(_time.GetUtcNow(), 10)) await dispatcher.SendAsync(n, CancellationToken.None);
        return (await _store.ListAsync())[0];
    }

    [Fact]
    public async Task Plain_MessageArrivesWithTextAndHtml()
    {
        await using var smtp = await TestSmtpServer.StartAsync(_dir.File("plain"));
        var dispatcher = Dispatcher($"{{ host: 127.0.0.1, port: {smtp.Port}, tls: none }}");
        await Queue();

        var sent = await SendDue(dispatcher);

        Assert.Equal(NotificationStatus.Delivered, sent.Status);
        var message = await MimeMessage.LoadAsync(Assert.Single(smtp.Messages));
        Assert.Equal("[CRITICAL] api-ready is DOWN: [STATUS] == 200 failed: got 503", message.Subject);
        Assert.Equal("ballast@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal(["oncall@example.com", "lead@example.com"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("n1", message.Headers["X-Ballast-Notification"]);
        Assert.Contains("Runbook: https://runbooks.example.com/api", message.TextBody);
        Assert.Contains("https://ballast.example.com/incidents/inc-1", message.TextBody);
        Assert.Contains("<code>[STATUS] == 200 failed: got 503</code>", message.HtmlBody);
    }

    [Fact]
    public async Task StartTlsWithAuth_Delivers_WrongPasswordFailsAtOnce()
    {
        var pem = TestCertificates.WritePem(_certs.Valid("localhost"), _dir.Path);
        await using var smtp = await TestSmtpServer.StartAsync(_dir.File("tls"), pem, "ballast:hunter2");

        var good = Dispatcher($"{{ host: localhost, port: {smtp.Port}, tls: starttls, username: ballast, password: hunter2, ca_file: '{_certs.CaFile}' }}");
        await Queue("n1");
        var delivered = await SendDue(good);
        Assert.True(delivered.Status == NotificationStatus.Delivered, delivered.LastError);
        Assert.Single(smtp.Messages);

        var bad = Dispatcher($"{{ host: localhost, port: {smtp.Port}, tls: starttls, username: ballast, password: wrong, ca_file: '{_certs.CaFile}' }}");
        await Queue("n2");
        await SendDue(bad);
        var failed = (await _store.ListAsync()).Single(n => n.Id == "n2");
        Assert.True(failed.Status == NotificationStatus.Failed, failed.LastError);
        Assert.StartsWith("SMTP login as ballast refused", failed.LastError);
        Assert.Single(smtp.Messages);
    }

    [Fact]
    public async Task StartTls_CertificateNotYetValidAtBallastsClock_FailsWithBallastsReason()
    {
        var pem = TestCertificates.WritePem(_certs.Issue("localhost", T0.AddDays(1), T0.AddDays(90)), _dir.Path);
        await using var smtp = await TestSmtpServer.StartAsync(_dir.File("early"), pem);
        var dispatcher = Dispatcher($"{{ host: localhost, port: {smtp.Port}, tls: starttls, ca_file: '{_certs.CaFile}' }}");
        await Queue();

        var sent = await SendDue(dispatcher);

        Assert.Equal(NotificationStatus.Pending, sent.Status);
        Assert.Equal($"TLS with SMTP server localhost:{smtp.Port} refused: certificate is not valid before {T0.AddDays(1):yyyy-MM-dd HH:mm} UTC (localhost)",
            sent.LastError);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task ServerDown_RetriedUntilItIsBack_ArrivesOnce()
    {
        await using var smtp = await TestSmtpServer.StartAsync(_dir.File("outage"));
        var dispatcher = Dispatcher($"{{ host: 127.0.0.1, port: {smtp.Port}, tls: none }}");
        await Queue();
        await smtp.StopAsync();

        var first = await SendDue(dispatcher);
        Assert.Equal((NotificationStatus.Pending, 1), (first.Status, first.Attempts));
        _time.Advance(TimeSpan.FromMinutes(2));
        var second = await SendDue(dispatcher);
        Assert.Equal(NotificationStatus.Pending, second.Status);

        await smtp.StartAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        var delivered = await SendDue(dispatcher);
        _time.Advance(TimeSpan.FromHours(1));
        await SendDue(dispatcher);

        Assert.Equal((NotificationStatus.Delivered, 3), (delivered.Status, delivered.Attempts));
        Assert.Single(smtp.Messages);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var services in _services) services.Dispose();
        _temp.Dispose();
        _certs.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
