using System.Net;
using System.Text.RegularExpressions;
using Ballast.Core.Security;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

public sealed class MonitorPageTests(Browser browser) : IAsyncLifetime
{
    // Taken from the environment by ${...} in the config: the page must never show it.
    private const string KeyVariable = "BALLAST_TEST_CHECKOUT_KEY";
    private const string Key = "ck-live-7f3a9b2c41d8";
    private const string PushToken = "nightly-backup-token-5c1e9a";

    private TestWebServer _target = null!;

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable(KeyVariable, Key);
        _target = await TestWebServer.StartAsync(app => app.MapGet("/checkout", () => Results.Text("payment provider unreachable", statusCode: 503)));
    }

    public async ValueTask DisposeAsync() => await _target.DisposeAsync();

    private string Monitors => $$"""
          - name: checkout
            type: http
            url: "{{_target.Url("/checkout")}}?key=${{{KeyVariable}}}"
            headers: { Authorization: "Bearer ${{{KeyVariable}}}" }
            interval: 500ms
            retry_interval: 200ms
            failure_threshold: 1
            tags: [shop]
            runbook: https://runbooks.example.com/checkout
          - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h, token: {{PushToken}} }
        """;

    private const string Maintenance = """
        maintenance:
          - { name: weekly-upgrade, tags: [shop], schedule: "0 3 * * 0", time_zone: UTC, duration: 1h }
        """;

    [Fact]
    public async Task MonitorPage_DrawsTheChart_ListsFailuresIncidentsWindowsAndConfig_WithoutSecrets_AndSwitchesRange()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, Maintenance);
        var incidents = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var incidentId = incidents[0].GetProperty("id").GetString()!;
        var results = await server.EventuallyAsync("/api/v1/monitors/checkout/results", l => l.GetArrayLength() >= 2);
        var sentence = results[results.GetArrayLength() - 1].GetProperty("cause").GetString()!;
        Assert.Contains("503", sentence);
        await server.Services.GetRequiredService<MonitoringWriter>().FlushAsync();
        await server.CreateUserAsync("vera", Role.Viewer, "viewer-password-1");
        var page = await browser.OpenAsync(server);
        var problems = Problems.Watch(page);
        await Browser.SignInAsync(page, "vera", "viewer-password-1", "/monitors/checkout");

        var head = page.Locator("header[data-monitor='checkout']");
        await Assertions.Expect(head.GetByRole(AriaRole.Heading, new() { Name = "checkout" })).ToBeVisibleAsync();
        await Assertions.Expect(head.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "DOWN");
        await Assertions.Expect(head.Locator("[data-latency]")).ToHaveTextAsync(new Regex(@"^\d[\d,]* ms$"));
        // uPlot drew the series from the page's attributes.
        await Assertions.Expect(page.Locator("figure.chart .uplot canvas")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("figure.chart figcaption")).ToContainTextAsync("Last 24 hours: p50 between");
        await Assertions.Expect(page.Locator("table.checks tbody tr.failed td.cause").First).ToHaveTextAsync(sentence);
        await Assertions.Expect(page.Locator("table.incidents").GetByRole(AriaRole.Link).First).ToHaveAttributeAsync("href", $"/incidents/{incidentId}");
        await Assertions.Expect(page.Locator("table.windows tbody th")).ToHaveTextAsync("weekly-upgrade");
        await Assertions.Expect(page.Locator("table.uptimes tbody th")).ToHaveTextAsync(["24 hours", "7 days", "30 days", "90 days"]);
        await Assertions.Expect(page.Locator("table.uptimes tbody tr").First.Locator("td").First).ToHaveTextAsync("0 %");
        var config = page.Locator("pre.config");
        await Assertions.Expect(config).ToContainTextAsync("Authorization: \"***\"");
        await Assertions.Expect(config).ToContainTextAsync("key=***");
        Assert.DoesNotContain(Key, await page.ContentAsync());
        await Browser.ScreenshotBothAsync(page, "monitor");

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Chart range" }).GetByRole(AriaRole.Link, new() { Name = "7 days" }).ClickAsync();
        await page.WaitForURLAsync("**/monitors/checkout?range=7d");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "7 days" })).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(page.Locator("figure.chart .uplot canvas")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("figure.chart figcaption")).ToContainTextAsync("Last 7 days");

        // Switching the theme redraws the chart in the theme's colours, still one chart.
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch between light and dark" }).ClickAsync();
        await Assertions.Expect(page.Locator("figure.chart .uplot canvas")).ToHaveCountAsync(1);

        await page.GotoAsync("/monitors/nightly-backup");
        await Assertions.Expect(page.Locator("pre.config")).ToContainTextAsync("token: ***");
        Assert.DoesNotContain(PushToken, await page.ContentAsync());
        await Assertions.Expect(page.GetByText("No checks recorded yet.")).ToBeVisibleAsync();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task MonitorPage_WithoutJavaScript_HasTheSummaryAndTable_UnknownMonitorSaysSo_StrangersGoToLogin()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, Maintenance);
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        await server.Services.GetRequiredService<MonitoringWriter>().FlushAsync();
        await server.CreateUserAsync("vera", Role.Viewer, "viewer-password-1");
        var (client, _) = await server.LoginAsync("vera", "viewer-password-1");

        using var answer = await client.GetAsync("/monitors/checkout?range=30d");
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("Last 30 days: p50 between", html);
        Assert.Contains("Latency as a table", html);
        Assert.Matches(new Regex("data-times=\"\\d+\""), html);
        Assert.DoesNotContain(Key, html);

        using var missing = await client.GetAsync("/monitors/no-such-monitor");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No monitor named “no-such-monitor”", await missing.Content.ReadAsStringAsync());

        using var strangerClient = server.NewClient(handler: new HttpClientHandler { AllowAutoRedirect = false });
        strangerClient.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var stranger = await strangerClient.GetAsync("/monitors/checkout");
        Assert.Equal(HttpStatusCode.Redirect, stranger.StatusCode);
        Assert.StartsWith("/login", stranger.Headers.Location!.OriginalString.Replace(server.BaseAddress.ToString().TrimEnd('/'), ""));
    }
}
