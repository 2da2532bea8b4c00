using Ballast.Core.Deploy;
using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

/// <summary>
/// The deploy pages over a SampleApi history stored as <c>ballast deploy</c> stores it: a verified deploy, then one that
/// failed verification and was rolled back.
/// </summary>
public sealed class DeployPageTests(Browser browser)
{
    [Fact]
    public async Task DeployPage_ShowsStepsChecksRollbackAndEnvironmentNames()
    {
        await using var server = await ServerHarness.StartAsync("""
              - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h }
            """);
        var store = server.Services.GetRequiredService<IDeployStore>();
        var t = TimeProvider.System.GetUtcNow().AddHours(-1);
        DeployStep Step(string name, StepOutcome outcome, int second, string? detail = null) => new(name, outcome, t.AddSeconds(second), TimeSpan.FromMilliseconds(1500), detail);
        var good = await store.AddAsync(new DeployRecord
        {
            Service = "sample-api", Release = "sample-api.162", StartedAt = t, FinishedAt = t.AddSeconds(40), Who = "alice", Outcome = DeployOutcome.Deployed,
            EnvNames = ["BALLAST_RELEASE", "DATABASE_URL", "REDIS_URL"],
            Steps = [Step("preflight", StepOutcome.Passed, 0), Step("rollout", StepOutcome.Passed, 5), Step("verify", StepOutcome.Passed, 30, "✔ ready\n✔ version")],
        }, CancellationToken.None);
        await store.AddAsync(new DeployRecord
        {
            Service = "sample-api", Release = "sample-api.165", StartedAt = t.AddMinutes(10), FinishedAt = t.AddMinutes(11), Who = "bob",
            Outcome = DeployOutcome.RolledBack, RolledBackTo = "sample-api.162", EnvNames = ["AI_MAX_TOKENS_CHAT", "BALLAST_RELEASE", "DATABASE_URL"],
            Steps =
            [
                Step("rollout", StepOutcome.Passed, 605),
                Step("verify", StepOutcome.Failed, 630, "1 of 2 checks failed after 3m: ready: [STATUS] == 200 failed: got 503"),
                Step("rollback", StepOutcome.Passed, 640), Step("rollback verify", StepOutcome.Passed, 650, "✔ ready"),
            ],
        }, CancellationToken.None);
        await server.CreateUserAsync("victor", Role.Viewer, "correct-horse-battery");
        var page = await browser.OpenAsync(server);
        await Browser.SignInAsync(page, "victor", "correct-horse-battery", "/deploys");

        await Assertions.Expect(page.Locator("[data-service='sample-api']")).ToContainTextAsync("sample-api.162");
        await Assertions.Expect(page.Locator("[data-service='sample-api']")).ToContainTextAsync("failed, rolled back");
        await Browser.ScreenshotBothAsync(page, "deploys");

        await page.GetByRole(AriaRole.Link, new() { Name = "sample-api" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-live-release]")).ToHaveTextAsync("sample-api.162");
        var failed = page.Locator("article.deploy").First;
        await Assertions.Expect(failed.Locator("[data-outcome]")).ToHaveTextAsync("failed, rolled back");
        await Assertions.Expect(failed.Locator("[data-rolled-back-to]")).ToHaveTextAsync("sample-api.162");
        await Assertions.Expect(failed.Locator("[data-step='verify']")).ToContainTextAsync("ready: [STATUS] == 200 failed: got 503");
        await Assertions.Expect(failed.Locator("[data-step='rollback verify']")).ToContainTextAsync("✔ ready");
        await Assertions.Expect(failed.Locator("[data-env]")).ToHaveTextAsync($"against #{good}: added AI_MAX_TOKENS_CHAT; removed REDIS_URL");
        await Assertions.Expect(page.Locator($"[data-deploy='{good}'] [data-step='verify']")).ToContainTextAsync("✔ version");
        await Browser.ScreenshotBothAsync(page, "deploys-service");
    }
}
