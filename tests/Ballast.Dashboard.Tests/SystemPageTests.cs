using System.Net;
using Ballast.Core.Alerting;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

/// <summary>The system page (/system) of a real server: what it shows when all is well, when a loop fails, when storage fails.</summary>
public sealed class SystemPageTests(Browser browser) : IAsyncLifetime
{
    private const string Password = "correct-horse-battery";
    private TargetWithAlerts _shop = null!;

    public async ValueTask InitializeAsync() => _shop = await TargetWithAlerts.StartAsync();

    private string Monitors => $$"""
          - { name: shop, type: http, url: "{{_shop.Health}}", interval: 200ms, retry_interval: 100ms, failure_threshold: 1 }
          - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h }
        """;

    private async Task<IPage> SignInAsync(ServerHarness server)
    {
        await server.CreateUserAsync("olga", Role.Viewer, Password);
        var page = await browser.OpenAsync(server);
        await Browser.SignInAsync(page, "olga", Password, "/system");
        Assert.Equal("/system", new Uri(page.Url).AbsolutePath);
        return page;
    }

    [Fact]
    public async Task Page_AllWell_SaysStorageOkAndCountsMonitors()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, _shop.Alerting);
        var page = await SignInAsync(server);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ballast's own health", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-health]")).ToHaveAttributeAsync("data-health", "pass");
        await Assertions.Expect(page.Locator("[data-fact='storage']")).ToHaveTextAsync("OK");
        await Assertions.Expect(page.Locator("[data-fact='monitors']")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("[data-fact='loops']")).ToHaveTextAsync("No loop failing.");
        await Assertions.Expect(page.Locator("[data-fact='channels']")).ToContainTextAsync("No channel failing");
        await Assertions.Expect(page.GetByText(server.ConfigPath)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Ballast", Exact = true }).Last).ToHaveClassAsync("active");
        await Browser.ScreenshotBothAsync(page, "system");
    }

    [Fact]
    public async Task Page_LoopAndChannelFail_NamesTheLoopTheChannelAndTheirErrors()
    {
        const string error = "connection to the database was lost";
        FailingSwitch<INotificationStore> notifications = null!;
        await using var server = await ServerHarness.StartAsync(Monitors, _shop.Alerting, configureServices: services => services.AddSingleton(sp =>
        {
            (var store, notifications) = FailingOnDemand.Wrap<INotificationStore>(sp.GetRequiredService<SqlNotificationStore>(), error, nameof(INotificationStore.DueAsync));
            return store;
        }));
        _shop.Receiver.AnswerAlways("/hooks", 500);
        _shop.Status = 503;
        // The channel answers 500: the dispatcher retries and records the error.
        await server.EventuallyAsync("/api/v1/notifications?status=pending", l => l.GetArrayLength() == 1 && l[0].GetProperty("attempts").GetInt32() >= 1, seconds: 30);
        notifications.Failing = true;
        await server.EventuallyAsync("/health/ready", h => h.GetProperty("checks").TryGetProperty("notification-dispatcher:running", out _), seconds: 30);
        var page = await SignInAsync(server);

        await Assertions.Expect(page.Locator("[data-health]")).ToHaveAttributeAsync("data-health", "warn");
        var loop = page.Locator("[data-loop='notification-dispatcher']");
        await Assertions.Expect(loop).ToContainTextAsync(error);
        await Assertions.Expect(page.Locator("[data-fact='loop-restarts']")).Not.ToContainTextAsync("0 restart");
        var channel = page.Locator("[data-channel='hooks']");
        await Assertions.Expect(channel).ToContainTextAsync("retrying");
        await Assertions.Expect(channel).ToContainTextAsync("500");
        await Assertions.Expect(page.Locator("[data-fact='storage']")).ToHaveTextAsync("OK");
        await Browser.ScreenshotBothAsync(page, "system-loop-failing");
    }

    [Fact]
    public async Task Page_StorageFails_SaysSinceWhenWhyAndWhatWaits()
    {
        const string error = "disk I/O error";
        FailingSwitch<IMonitoringStore> monitoring = null!;
        await using var server = await ServerHarness.StartAsync(Monitors, configureServices: services => services.AddSingleton(sp =>
        {
            (var store, monitoring) = FailingOnDemand.Wrap<IMonitoringStore>(new SqlMonitoringStore(sp.GetRequiredService<SqlDialect>()), error,
                nameof(IMonitoringStore.WriteAsync));
            return store;
        }));
        var page = await SignInAsync(server);
        await Assertions.Expect(page.Locator("[data-fact='storage']")).ToHaveTextAsync("OK");

        monitoring.Failing = true;
        await ReadyAnswersAsync(server, HttpStatusCode.ServiceUnavailable);
        await page.ReloadAsync();

        await Assertions.Expect(page.Locator("[data-health]")).ToHaveAttributeAsync("data-health", "fail");
        var storage = page.Locator("[data-fact='storage']");
        await Assertions.Expect(storage).ToContainTextAsync("Failing for");
        await Assertions.Expect(storage).ToContainTextAsync(error);
        Assert.NotEqual("0", await page.Locator("[data-fact='pending-writes']").TextContentAsync());
        await Browser.ScreenshotBothAsync(page, "system-storage-failing");

        monitoring.Failing = false;
        await ReadyAnswersAsync(server, HttpStatusCode.OK);
        await page.ReloadAsync();
        await Assertions.Expect(storage).ToHaveTextAsync("OK");
    }

    /// <summary>Polls /health/ready (which answers 503 while storage fails) until it answers <paramref name="status"/>.</summary>
    private static async Task ReadyAnswersAsync(ServerHarness server, HttpStatusCode status)
    {
        var started = TimeProvider.System.GetTimestamp();
        HttpStatusCode last;
        do
        {
            using var answer = await server.Client.GetAsync("/health/ready");
            last = answer.StatusCode;
            if (last == status) return;
            await Task.Delay(50);
        }
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30));
        Assert.Fail($"/health/ready answered {last}, not {status}");
    }

    public async ValueTask DisposeAsync() => await _shop.DisposeAsync();
}
