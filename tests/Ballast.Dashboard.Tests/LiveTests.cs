using System.Text.RegularExpressions;
using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

public sealed partial class LiveTests(Browser browser)
{
    [GeneratedRegex(@"^\d+ ms$")]
    private static partial Regex Milliseconds();

    [Fact]
    public async Task Overview_TargetStopsAndReturns_BadgeTurnsDownAndUpWithoutReload()
    {
        await using var target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.Text("ok")));
        await using var relay = TcpRelay.Start("127.0.0.1", target.BaseAddress.Port);
        await using var server = await ServerHarness.StartAsync($$"""
              - { name: shop-api, type: http, url: "http://127.0.0.1:{{relay.Port}}/health", interval: 200ms, timeout: 1s, failure_threshold: 1 }
              - { name: nightly, type: heartbeat, period: 1h, grace: 1h }
            """);
        await server.CreateUserAsync("olivia", Role.Viewer, "olivia-watches-the-shop");
        var page = await browser.OpenAsync(server);
        await Browser.SignInAsync(page, "olivia", "olivia-watches-the-shop");
        var loaded = page.Url;
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };

        var badge = page.Locator("[data-monitor='shop-api'] [data-state]");
        var latency = page.Locator("[data-monitor='shop-api'] [data-latency]");
        await Assertions.Expect(page.Locator("[data-live]")).ToHaveTextAsync("Live");
        await Assertions.Expect(badge).ToHaveTextAsync("UP");

        relay.Cut();
        await Assertions.Expect(badge).ToHaveTextAsync("DOWN");
        await Assertions.Expect(badge).ToHaveClassAsync(new Regex(@"\bstate-down\b"));
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-state", "DOWN");
        await Assertions.Expect(latency).ToHaveTextAsync(Milliseconds());
        // The other monitor is untouched.
        await Assertions.Expect(page.Locator("[data-monitor='nightly'] [data-state]")).ToHaveTextAsync("UNKNOWN");
        await Browser.ScreenshotBothAsync(page, "overview-live-down");

        relay.Restore();
        await Assertions.Expect(badge).ToHaveTextAsync("UP");
        await Assertions.Expect(badge).ToHaveClassAsync(new Regex(@"\bstate-up\b"));
        Assert.Equal((0, loaded), (navigations, page.Url));
    }
}
