using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

public sealed class OverviewTests(Browser browser) : IAsyncLifetime
{
    private TestWebServer _target = null!;

    public async ValueTask InitializeAsync() => _target = await TestWebServer.StartAsync(app =>
    {
        app.MapGet("/ok", () => Results.Text("fine"));
        app.MapGet("/broken", () => Results.StatusCode(503));
    });

    public async ValueTask DisposeAsync() => await _target.DisposeAsync();

    private string Http(string name, string path, string tags) => $$"""
          - { name: {{name}}, type: http, url: "{{_target.Url(path)}}", interval: 500ms, retry_interval: 200ms, failure_threshold: 1, tags: [{{tags}}] }
        """ + "\n";

    private static JsonElement Find(JsonElement list, string name) => list.EnumerateArray().First(m => m.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Overview_ShowsStateLatencyAndBars_IncidentsFirst_FiltersByTagStateAndText_SurviveReload()
    {
        await using var server = await ServerHarness.StartAsync(
            Http("shop-api", "/ok", "shop, public") + Http("shop-db", "/broken", "shop") + Http("search", "/ok", "public") +
            "  - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h, tags: [jobs] }\n");
        await server.EventuallyAsync("/api/v1/monitors", l => Find(l, "shop-api").GetProperty("state").GetString() == "UP"
            && Find(l, "search").GetProperty("state").GetString() == "UP" && Find(l, "shop-db").GetProperty("state").GetString() == "DOWN");
        await server.Services.GetRequiredService<MonitoringWriter>().FlushAsync();
        await server.CreateUserAsync("vera", Role.Viewer, "viewer-password-1");
        var page = await browser.OpenAsync(server);
        var problems = Problems.Watch(page);
        await Browser.SignInAsync(page, "vera", "viewer-password-1");

        var rows = page.Locator("table.monitors tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        // The open incident comes first, then what is up, then what was never checked.
        Assert.Equal(["shop-db", "search", "shop-api", "nightly-backup"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.monitor)"));
        var api = page.Locator("[data-monitor='shop-api']");
        await Assertions.Expect(api.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "UP");
        await Assertions.Expect(api.Locator("[data-latency]")).ToHaveTextAsync(new Regex(@"^\d[\d,]* ms$"));
        await Assertions.Expect(api.GetByRole(AriaRole.Link, new() { Name = "shop-api" })).ToHaveAttributeAsync("href", "/monitors/shop-api");
        // Today's bar, with its date and uptime in its title; the broken one's day is red.
        var today = TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd");
        await Assertions.Expect(api.Locator("svg.bars rect.bar-ok title")).ToHaveTextAsync($"{today}: 100 % up");
        var db = page.Locator("[data-monitor='shop-db']");
        await Assertions.Expect(db.Locator("svg.bars rect.bar-bad title")).ToContainTextAsync($"{today}: 0 % up");
        await Assertions.Expect(db.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "DOWN");
        await Assertions.Expect(db.GetByRole(AriaRole.Link, new() { NameRegex = new("^since ") })).ToHaveAttributeAsync("href", new Regex("^/incidents/.+"));
        await Assertions.Expect(page.Locator("[data-monitor='nightly-backup'] [data-state]")).ToHaveAttributeAsync("data-state", "UNKNOWN");
        await Browser.ScreenshotBothAsync(page, "overview");

        await page.GetByLabel("Tag", new() { Exact = true }).SelectOptionAsync("public");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"[?&]tag=public(&|$)"));
        Assert.Equal(["search", "shop-api"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.monitor)"));
        await Assertions.Expect(page.Locator("p.showing")).ToContainTextAsync("Showing 1–2 of 2 (4 in all)");

        await page.GetByLabel("State", new() { Exact = true }).SelectOptionAsync("incident");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"[?&]state=incident(&|$)"));
        Assert.Contains("tag=public", page.Url);
        await Assertions.Expect(page.GetByText("No monitor matches these filters.")).ToBeVisibleAsync();

        await page.GotoAsync("/?state=down&q=SHOP");
        await page.ReloadAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-monitor", "shop-db");
        // The form shows the filters the URL holds, so the next change keeps them.
        await Assertions.Expect(page.GetByLabel("Name or tag")).ToHaveValueAsync("SHOP");
        await Assertions.Expect(page.GetByLabel("State", new() { Exact = true })).ToHaveValueAsync("down");
        await page.GetByRole(AriaRole.Link, new() { Name = "Clear filters" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Overview_TenThousandMonitors_PagedAndFiltered_InTheBrowser_WithoutErrors()
    {
        const int count = 10_000;
        var yaml = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            // Five jobs report failures through their push URLs; the rest are never due within the test.
            var token = i >= count - 5 ? $", token: failing-job-token-{i}" : "";
            yaml.Append($"  - {{ name: job-{i:D5}, type: heartbeat, period: 1h, grace: 1h, tags: [team-{i % 20}]{token} }}\n");
        }
        await using var server = await ServerHarness.StartAsync(yaml.ToString());
        for (var i = count - 5; i < count; i++)
            (await server.Stranger.PostAsync($"/api/push/failing-job-token-{i}/fail", null)).EnsureSuccessStatusCode();
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 5);

        // 90 days of daily checks for the monitors on the first page, through the writer the engine uses.
        var writer = server.Services.GetRequiredService<MonitoringWriter>();
        var today = new DateTimeOffset(TimeProvider.System.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        for (var i = 0; i < 95; i++)
            for (var day = 0; day < 90; day++)
            {
                var name = $"job-{i:D5}";
                var passed = !(i == 3 && day % 10 == 0);
                writer.Record(new CheckRecord(new CheckResult(name, today.AddDays(-day).AddHours(1), TimeSpan.FromMilliseconds(40), passed, passed ? null : "no ping within 1h"),
                    new MonitorStatus(name, MonitorState.Unknown), null, StatusChanged: false));
            }
        await writer.FlushAsync();

        await server.CreateUserAsync("vera", Role.Viewer, "viewer-password-1");
        var page = await browser.OpenAsync(server);
        var problems = Problems.Watch(page);
        await Browser.SignInAsync(page, "vera", "viewer-password-1");

        var rows = page.Locator("table.monitors tbody tr");
        await Assertions.Expect(page.Locator("p.showing")).ToHaveTextAsync("Showing 1–100 of 10,000");
        await Assertions.Expect(rows).ToHaveCountAsync(100);
        Assert.Equal(["job-09995", "job-09996", "job-09997", "job-09998", "job-09999", "job-00000"],
            (await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.monitor)"))[..6]);
        await Assertions.Expect(page.Locator("[data-monitor='job-00003'] svg.bars rect:not(.bars-track)")).ToHaveCountAsync(90);
        await Assertions.Expect(page.Locator("[data-monitor='job-00003'] svg.bars rect.bar-bad")).ToHaveCountAsync(9);
        await Browser.ScreenshotBothAsync(page, "overview-10000");

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" }).GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.showing")).ToHaveTextAsync("Showing 101–200 of 10,000");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-monitor", "job-00095");

        await page.GetByLabel("Tag", new() { Exact = true }).SelectOptionAsync("team-7");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.showing")).ToHaveTextAsync("Showing 1–100 of 500 (10,000 in all)");
        await page.GetByRole(AriaRole.Link, new() { Name = "5", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/?tag=team-7&page=5");
        await Assertions.Expect(page.Locator("p.showing")).ToHaveTextAsync("Showing 401–500 of 500 (10,000 in all)");
        await Assertions.Expect(rows.Last).ToHaveAttributeAsync("data-monitor", "job-09987");

        await page.GotoAsync("/?q=job-0042&state=unknown");
        await Assertions.Expect(page.Locator("p.showing")).ToHaveTextAsync("Showing 1–10 of 10 (10,000 in all)");
        await page.GotoAsync("/?state=down");
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-state='DOWN']")).ToHaveCountAsync(5);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}

/// <summary>Console errors and uncaught exceptions of a page, collected from the moment it is watched.</summary>
internal static class Problems
{
    public static List<string> Watch(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (problems) problems.Add($"console {message.Type}: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) =>
        {
            lock (problems) problems.Add($"page error: {error}");
        };
        return problems;
    }
}
