using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

public sealed class LoginTests(Browser browser)
{
    private const string Monitors = """
          - { name: nightly-backup, type: heartbeat, period: 1h, grace: 1h }
        """;

    [Fact]
    public async Task Page_WithoutSession_GoesToLogin_WrongPasswordSaysSo_RightOneComesBack_SignOutEnds()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        await server.CreateUserAsync("alice", Role.Viewer, "correct-horse-battery");
        var page = await browser.OpenAsync(server);

        await page.GotoAsync("/?state=down");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await Browser.ScreenshotBothAsync(page, "login");

        await page.GetByLabel("Name").FillAsync("alice");
        await page.GetByLabel("Password").FillAsync("not-her-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong name or password.");

        await Browser.SignInAsync(page, "alice", "correct-horse-battery", page.Url);
        // Back where the person was going, signed in.
        Assert.Equal("/?state=down", new Uri(page.Url).PathAndQuery);
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("[data-monitor='nightly-backup']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("alice · viewer")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/login");
        await page.GotoAsync("/");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
    }
}
