using System.Text.Json;
using System.Text.RegularExpressions;
using Ballast.Cli;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

/// <summary>
/// The deploy pages after <c>ballast deploy</c> ran as a user runs it against a server that runs SampleApi: release 162
/// deployed and verified, then 165 that never gets ready, fails verification and is rolled back to 162.
/// </summary>
public sealed partial class DeployPageTests(Browser browser)
{
    private const string Monitors = "  - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h }";

    // A value the environment carries and no page may show: only names leave a deploy.
    private const string Secret = "pk_live_51HqLyjWDarjtT1zdp7dc";

    [Fact]
    public async Task DeployPage_AfterDeployAndRolledBackDeployOfSampleApi_ShowsStepsVerificationRollbackEnvironmentNamesAndReplicas()
    {
        var api = new SampleApiService(await TestPostgres.CreateDatabaseAsync(), TestTcpServer.ClosedPort())
        {
            // The gate of the outage story's platform: /health/live answers while the process runs, so a release that never
            // gets ready takes traffic, and only verification catches it.
            HealthPath = "/health/live",
            Env = new Dictionary<string, string> { ["PAYMENTS_API_KEY"] = Secret },
        };
        // Release 165 half fixed: one of the two AI budgets it needs; verification gives up after a few seconds.
        var halfFixed = api with { Env = new Dictionary<string, string>(api.Env) { ["AI_MAX_TOKENS_CHAT"] = "4000" }, VerifyTimeout = "5s" };
        var edited = new ConfigEdit(c => c.Services["api"].Env.ContainsKey("AI_MAX_TOKENS_CHAT"));
        await using var server = await ServerHarness.StartAsync(Monitors, api.Yaml(), port: TestTcpServer.ClosedPort(),
            configureServices: s => s.AddSingleton<IConfigChangeListener>(edited));

        var first = await DeployAsync(server, "sample-api.162");
        Assert.True(first.ExitCode == ExitCodes.Ok, first.Stderr);
        server.WriteConfig(Monitors, halfFixed.Yaml());
        await edited.Applied.WaitAsync(TimeSpan.FromSeconds(30));
        var second = await DeployAsync(server, "sample-api.165", "--skip-contract");
        Assert.True(second.ExitCode == ExitCodes.RolledBack, second.Stderr);
        var (good, bad) = (Id(first), Id(second));
        using var http = new HttpClient();
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));

        await server.CreateUserAsync("victor", Role.Viewer, "correct-horse-battery");
        var page = await browser.OpenAsync(server);
        await Browser.SignInAsync(page, "victor", "correct-horse-battery", "/deploys");
        var who = $"{Environment.UserName}@{Environment.MachineName}";
        var row = page.Locator("[data-service='api']");
        await Assertions.Expect(row).ToContainTextAsync("sample-api.162");
        await Assertions.Expect(row).ToContainTextAsync("failed, rolled back");
        await Assertions.Expect(row).ToContainTextAsync("2 of 2");
        await Assertions.Expect(row).ToContainTextAsync(who);
        Assert.DoesNotContain(Secret, await page.ContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotBothAsync(page, "deploys");

        await page.GetByRole(AriaRole.Link, new() { Name = "api", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-live-release]")).ToHaveTextAsync("sample-api.162");
        await Assertions.Expect(page.Locator("table.replicas tbody tr")).ToHaveCountAsync(2);
        foreach (var replica in await page.Locator("table.replicas tbody tr").AllAsync())
            await Assertions.Expect(replica.Locator("td").Last).ToHaveTextAsync("yes");

        var failed = page.Locator($"[data-deploy='{bad}']");
        await Assertions.Expect(failed.Locator("[data-outcome]")).ToHaveTextAsync("failed, rolled back");
        await Assertions.Expect(failed.Locator("[data-rolled-back-to]")).ToHaveTextAsync("sample-api.162");
        await Assertions.Expect(failed).ToContainTextAsync(who);
        await Assertions.Expect(failed.Locator("[data-env]")).ToHaveTextAsync($"against #{good}: added AI_MAX_TOKENS_CHAT");
        await ExpectStepAsync(failed, "rollout", "passed");
        await ExpectStepAsync(failed, "verify", "failed", "checks failed after 5s: ready: [STATUS] == 200 failed: got 503");
        // The checks that passed stay beside the one that failed.
        await Assertions.Expect(failed.Locator("[data-step='verify'] li").First).ToHaveTextAsync("✘ ready: [STATUS] == 200 failed: got 503");
        await Assertions.Expect(failed.Locator("[data-step='verify']")).ToContainTextAsync("✔ version");
        await ExpectStepAsync(failed, "rollback", "passed", "rolling back to sample-api.162");
        await ExpectStepAsync(failed, "rollback verify", "passed", "✔ ready");

        var deployed = page.Locator($"[data-deploy='{good}']");
        await Assertions.Expect(deployed.Locator("[data-outcome]")).ToHaveTextAsync("deployed, verified");
        await ExpectStepAsync(deployed, "verify", "passed", "✔ version");
        await Assertions.Expect(deployed.Locator("[data-step='verify']")).ToContainTextAsync($"✔ cors {SampleApiService.Origin}");
        await ExpectStepAsync(deployed, "post_log", "passed", "Application successfully started");
        await Assertions.Expect(deployed.Locator("[data-env]")).ToContainTextAsync("PAYMENTS_API_KEY");
        Assert.DoesNotContain(Secret, await page.ContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotBothAsync(page, "deploys-service");
    }

    /// <summary>A step's row: its outcome, a duration, and (when given) a line of its detail.</summary>
    private static async Task ExpectStepAsync(ILocator deploy, string step, string outcome, string? line = null)
    {
        var row = deploy.Locator($"[data-step='{step}']");
        await Assertions.Expect(row.Locator("td").Nth(0)).ToHaveTextAsync(outcome);
        await Assertions.Expect(row.Locator("td.num")).ToHaveTextAsync(Duration());
        if (line is not null) await Assertions.Expect(row.Locator("ul.lines")).ToContainTextAsync(line);
    }

    private static Task<BallastProcess> DeployAsync(ServerHarness server, string release, params string[] args) =>
        BallastProcess.RunAsync(Path.GetDirectoryName(server.ConfigPath)!, ["deploy", "api", "--config", "ballast.yaml", "--image", release, "--json", .. args]);

    private static long Id(BallastProcess deploy) => JsonDocument.Parse(deploy.Stdout).RootElement.GetProperty("id").GetInt64();

    /// <summary>Completes when the server has applied an edit of ballast.yaml that <paramref name="awaited"/> recognises.</summary>
    private sealed class ConfigEdit(Func<BallastConfig, bool> awaited) : IConfigChangeListener
    {
        private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Applied => _applied.Task;

        public void OnConfigChanged(BallastConfig updated)
        {
            if (awaited(updated)) _applied.TrySetResult();
        }
    }

    [GeneratedRegex(@"^\d+(\.\d+)?\s?(ms|s|m|h)")]
    private static partial Regex Duration();
}
