using Ballast.Testing;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Ballast.Dashboard.Tests.Browser))]

namespace Ballast.Dashboard.Tests;

/// <summary>
/// One headless Debian Chromium (<c>/usr/bin/chromium</c>, installed by scripts/test.sh) for the whole assembly,
/// driven by Playwright; each test opens its own context, so cookies and storage never carry between tests. Chromium
/// runs with the flags that keep it off the network: it only ever talks to the test's server on 127.0.0.1.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    /// <summary>Where screenshots go: TestResults/screenshots at the repository's root, or BALLAST_SCREENSHOTS.</summary>
    public static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("BALLAST_SCREENSHOTS")
        ?? Path.Combine(Repository.Root, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/test.sh installs Debian's chromium package");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context and page on <paramref name="server"/>, in the colour scheme asked for.</summary>
    public async Task<IPage> OpenAsync(ServerHarness server, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await _browser.NewContextAsync(new()
        {
            BaseURL = server.BaseAddress.ToString().TrimEnd('/'),
            ColorScheme = scheme,
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        // Generous for a machine running other test suites beside this one; waits end as soon as the page is there.
        context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the login page as a person would, and waits for the page it leads to.</summary>
    public static async Task SignInAsync(IPage page, string name, string password, string path = "/")
    {
        await page.GotoAsync(path);
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/login", StringComparison.Ordinal));
    }

    /// <summary>
    /// Saves the page as <c>NAME-light.png</c> and <c>NAME-dark.png</c>: the same page as a person whose system prefers
    /// light, then dark, sees it.
    /// </summary>
    public static async Task ScreenshotBothAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{name}-{(scheme == ColorScheme.Dark ? "dark" : "light")}.png"), FullPage = true });
        }
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
