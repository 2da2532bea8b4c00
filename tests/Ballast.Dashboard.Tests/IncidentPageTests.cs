using System.Text.Json;
using System.Text.RegularExpressions;
using Ballast.Core.Security;
using Ballast.Server.Dashboard;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using MimeKit;

namespace Ballast.Dashboard.Tests;

/// <summary>
/// An incident opened for real (a web server that starts failing), told by email through a real SMTP server, opened
/// from the email's link, acknowledged and silenced by a responder in the browser, then recovered; the success page
/// shows its times as the API does.
/// </summary>
public sealed partial class IncidentPageTests(Browser browser) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestWebServer _target = null!;
    private TestSmtpServer _smtp = null!;
    private volatile bool _failing;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => _failing ? Results.StatusCode(503) : Results.Ok("ok")));
        _smtp = await TestSmtpServer.StartAsync(_dir.File("maildir"));
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/incidents/[A-Za-z0-9_-]+")]
    private static partial Regex IncidentLink();

    [Fact]
    public async Task IncidentFromTheEmailsLink_ResponderAcknowledgesAndSilences_TimelineShowsIt_SuccessPageMatchesTheApi()
    {
        var port = TestTcpServer.ClosedPort();
        await using var server = await ServerHarness.StartAsync($$"""
              - { name: checkout-api, type: http, url: "{{_target.Url("/health")}}", interval: 1s, retry_interval: 200ms, failure_threshold: 2, runbook: "https://runbooks.example.com/checkout" }
            """, $$"""
            channels:
              mail: { type: email, smtp: { host: 127.0.0.1, port: {{_smtp.Port}}, tls: none }, from: ballast@example.com, to: [oncall@example.com] }
            alerting: { group_wait: 0s, routes: [ { channels: [mail] } ] }
            """, port: port);
        await server.CreateUserAsync("rita", Role.Responder, "correct-horse-battery");
        await server.EventuallyAsync("/api/v1/monitors", m => m[0].GetProperty("state").GetString() == "UP");

        _failing = true;
        var link = await LinkInFirstEmailAsync();
        Assert.StartsWith($"http://127.0.0.1:{port}/incidents/", link, StringComparison.Ordinal);
        var id = link[(link.LastIndexOf('/') + 1)..];
        // The email was sent once delivered: the notification's answer is stored by now or very soon.
        await server.EventuallyAsync("/api/v1/notifications?status=delivered", l => l.GetArrayLength() >= 1);

        var page = await browser.OpenAsync(server);
        await page.GotoAsync(link);
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await Browser.SignInAsync(page, "rita", "correct-horse-battery", page.Url);
        Assert.Equal($"/incidents/{id}", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("checkout-api: down");
        await Assertions.Expect(page.Locator("[data-event='notified']")).ToContainTextAsync("Notified mail (alert)");
        await Assertions.Expect(page.Locator("[data-event='notified']")).ToContainTextAsync("delivered after 1 attempt");
        await Assertions.Expect(page.Locator("[data-cause]")).ToContainTextAsync("failed: got 503");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "https://runbooks.example.com/checkout" })).ToBeVisibleAsync();
        await Browser.ScreenshotBothAsync(page, "incident-open");

        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Acknowledged: reminders for this incident stop.");
        await Assertions.Expect(page.Locator("[data-event='acknowledged']")).ToContainTextAsync("Acknowledged by rita");
        var listed = (await server.GetJsonAsync("/api/v1/incidents")).EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        Assert.Equal("rita", listed.GetProperty("acknowledgedBy").GetString());

        await page.GetByLabel("Silence alerts for checkout-api").SelectOptionAsync("4h");
        await page.GetByLabel("Reason").FillAsync("rolling the fix out");
        await page.GetByRole(AriaRole.Button, new() { Name = "Silence" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Silenced");
        var silence = (await server.GetJsonAsync("/api/v1/silences?active=true")).EnumerateArray().Single();
        Assert.Equal("checkout-api", silence.GetProperty("match").GetString());
        Assert.Equal("rita", silence.GetProperty("createdBy").GetString());
        Assert.Equal("rolling the fix out", silence.GetProperty("reason").GetString());
        Assert.InRange(silence.GetProperty("endsAt").GetDateTimeOffset() - silence.GetProperty("startsAt").GetDateTimeOffset(),
            TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(4) + TimeSpan.FromSeconds(1));

        _failing = false;
        var incidents = await server.EventuallyAsync("/api/v1/incidents", l => l.EnumerateArray().Any(i => i.GetProperty("id").GetString() == id
            && i.GetProperty("resolvedAt").ValueKind != JsonValueKind.Null), seconds: 30);
        var resolved = incidents.EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-event='resolved']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToHaveCountAsync(0);
        var detect = TimeSpan.FromSeconds(resolved.GetProperty("timeToDetectSeconds").GetDouble());
        var recover = TimeSpan.FromSeconds(resolved.GetProperty("timeToRecoverSeconds").GetDouble());
        await Assertions.Expect(page.Locator("[data-time-to-detect]")).ToHaveTextAsync(OperationsText.Span(detect));
        await Assertions.Expect(page.Locator("[data-time-to-recover]")).ToHaveTextAsync(OperationsText.Span(recover));
        await Browser.ScreenshotBothAsync(page, "incident-resolved");

        // The success page and the API's report agree with the incident as the API lists it.
        var report = await server.GetJsonAsync("/api/v1/report?days=1");
        Assert.Equal(Math.Round(detect.TotalSeconds, 3), report.GetProperty("timeToDetect").GetProperty("medianSeconds").GetDouble());
        Assert.Equal(Math.Round(recover.TotalSeconds, 3), report.GetProperty("timeToRecover").GetProperty("worstSeconds").GetDouble());
        Assert.Equal(id, report.GetProperty("outages").GetProperty("outageIds")[0].GetString());
        await page.GotoAsync("/success?days=1");
        await Assertions.Expect(page.Locator("[data-metric='detect'] [data-median]")).ToHaveTextAsync(OperationsText.Span(detect));
        await Assertions.Expect(page.Locator("[data-metric='recover'] [data-worst]")).ToHaveTextAsync(OperationsText.Span(recover));
        await Assertions.Expect(page.Locator("[data-metric='outages'] [data-met]")).ToHaveTextAsync("not met");
        await Browser.ScreenshotBothAsync(page, "success");

        await page.GotoAsync("/incidents?state=resolved");
        await Assertions.Expect(page.Locator($"[data-incident='{id}']")).ToContainTextAsync("rita");
        await Browser.ScreenshotBothAsync(page, "incidents");
    }

    [Fact]
    public async Task UnknownIncident_IsA404InWords()
    {
        await using var server = await ServerHarness.StartAsync("""
              - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h }
            """);
        using var http = await server.Client.GetAsync("/incidents/no-such-incident");
        var body = await http.Content.ReadAsStringAsync();
        Assert.True(http.StatusCode == System.Net.HttpStatusCode.NotFound && body.Contains("No such incident", StringComparison.Ordinal), $"{http.StatusCode}: {body}");
        await server.CreateUserAsync("victor", Role.Viewer, "correct-horse-battery");
        var page = await browser.OpenAsync(server);
        await Browser.SignInAsync(page, "victor", "correct-horse-battery");

        var answer = await page.GotoAsync("/incidents/no-such-incident");
        Assert.Equal(404, answer!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("No such incident");
        await Browser.ScreenshotBothAsync(page, "incident-not-found");
    }

    private async Task<string> LinkInFirstEmailAsync()
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(100))
            if (_smtp.Messages is [var first, ..])
            {
                var message = await MimeMessage.LoadAsync(first);
                return IncidentLink().Match(message.TextBody ?? message.HtmlBody ?? "").Value;
            }
        throw new TimeoutException("no alert email arrived within 60 s");
    }

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _target.DisposeAsync();
        _dir.Dispose();
    }
}
