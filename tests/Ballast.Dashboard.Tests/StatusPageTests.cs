using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

public sealed class StatusPageTests(Browser browser)
{
    [Fact]
    public async Task StatusPage_TargetFailsForReal_ShowsOutageAfterReload_ResponderMessageAppears()
    {
        var failing = false;
        await using var target = await TestWebServer.StartAsync(app =>
        {
            app.MapGet("/ready", () => Volatile.Read(ref failing) ? Results.Text("checkout-db refused connection", statusCode: 503) : Results.Text("ready"));
            app.MapGet("/home", () => Results.Text("ok"));
        });
        await using var server = await ServerHarness.StartAsync($$"""
              - { name: checkout-api-ready, type: http, url: "{{target.Url("/ready")}}", interval: 200ms, failure_threshold: 1 }
              - { name: www-home, type: http, url: "{{target.Url("/home")}}", interval: 200ms }
            """, sections: """
            status_pages:
              - slug: acme
                title: Acme status
                description: Live status of Acme's public services.
                groups:
                  - name: Shop
                    components:
                      - { monitor: checkout-api-ready, name: Checkout }
                  - name: Website
                    components:
                      - { monitor: www-home, name: Home page }
            """);
        await server.CreateUserAsync("rita", Role.Responder, "rita's long passphrase");
        await server.EventuallyAsync("/api/v1/monitors", l => l.EnumerateArray().All(m => m.GetProperty("state").GetString() == "UP"));
        var page = await browser.OpenAsync(server);

        await page.GotoAsync("/status/acme");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("All systems operational");
        await Assertions.Expect(page.Locator("[data-component='Checkout'] .public-state")).ToHaveTextAsync("Operational");
        // Checked today only: one bar, and the track for the 89 days before.
        await Assertions.Expect(page.Locator("[data-component='Checkout'] svg.bars rect.bar-ok")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-component='Checkout'] svg.bars rect.bars-track")).ToHaveCountAsync(1);

        Volatile.Write(ref failing, true);
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Partial outage");
        await Assertions.Expect(page.Locator("[data-component='Checkout'] .public-state")).ToHaveTextAsync("Outage");
        await Assertions.Expect(page.Locator("[data-component='Home page'] .public-state")).ToHaveTextAsync("Operational");
        var html = await page.ContentAsync();
        Assert.DoesNotContain("checkout-api-ready", html, StringComparison.Ordinal);
        Assert.DoesNotContain("refused connection", html, StringComparison.Ordinal);
        Assert.DoesNotContain(target.BaseAddress.Authority, html, StringComparison.Ordinal);

        // A responder tells the public from the dashboard.
        var desk = await browser.OpenAsync(server);
        await Browser.SignInAsync(desk, "rita", "rita's long passphrase", "/status-pages");
        await Assertions.Expect(desk.GetByRole(AriaRole.Link, new() { Name = "Status pages" })).ToBeVisibleAsync();
        await desk.GetByLabel("Title").FillAsync("Checkout is failing");
        await desk.GetByLabel("Message to the public").FillAsync("Payments cannot be completed right now.\nWe are on it.");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Post", Exact = true }).ClickAsync();
        await Assertions.Expect(desk.GetByRole(AriaRole.Status)).ToHaveTextAsync("Posted.");
        await Assertions.Expect(desk.Locator("tr[data-message] th")).ToHaveTextAsync("Checkout is failing");
        await Browser.ScreenshotBothAsync(desk, "status-pages");

        await page.ReloadAsync();
        var message = page.Locator(".message");
        await Assertions.Expect(message.Locator("h3")).ToHaveTextAsync("Checkout is failing");
        await Assertions.Expect(message.Locator(".body")).ToHaveTextAsync("Payments cannot be completed right now.\nWe are on it.");
        await Assertions.Expect(message.Locator("time")).ToHaveAttributeAsync("datetime", new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        Assert.DoesNotContain("rita", await page.ContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotBothAsync(page, "status-page");
    }
}
