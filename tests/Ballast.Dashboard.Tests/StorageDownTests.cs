using System.Net;
using Ballast.Core.Security;
using Ballast.Server.StatusPages;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ballast.Dashboard.Tests;

/// <summary>
/// The dashboard's pages while their PostgreSQL server is really stopped: each answers a complete page saying what it
/// cannot show and why, with 503 and Retry-After, and the public status page keeps showing its last view.
/// </summary>
public sealed class StorageDownTests(Browser browser)
{
    private const string Password = "viewer-password-1";

    [Fact]
    public async Task Pages_PostgresStopped_Answer503WithWhatIsMissing_PublicStatusPageKeepsItsLastView()
    {
        await using var postgres = await TestPostgresCluster.StartAsync();
        await using var target = await TestWebServer.StartAsync(app =>
        {
            app.MapGet("/pay", () => Results.Text("payment provider unreachable", statusCode: 503));
            app.MapGet("/home", () => Results.Text("ok"));
        });
        await using var server = await ServerHarness.StartAsync($$"""
              - { name: pay, type: http, url: "{{target.Url("/pay")}}", interval: 200ms, failure_threshold: 1 }
              - { name: home, type: http, url: "{{target.Url("/home")}}", interval: 200ms }
            """, sections: """
            status_pages:
              - slug: acme
                title: Acme status
                groups:
                  - name: Shop
                    components:
                      - { monitor: pay, name: Checkout }
                      - { monitor: home, name: Home page }
            """, storage: postgres.Url.ToString());
        var incidents = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var incident = incidents[0].GetProperty("id").GetString()!;
        await server.Services.GetRequiredService<MonitoringWriter>().FlushAsync();
        await server.CreateUserAsync("vera", Role.Viewer, Password);
        var (client, _) = await server.LoginAsync("vera", Password);
        using var __ = client;
        string[] paths = ["/incidents", $"/incidents/{incident}", "/status-pages", "/deploys", "/deploys/api", "/success"];
        // Every page answers while storage does (and the session is known before it goes away).
        using (var before = await client.GetAsync("/incidents")) Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var page = await browser.OpenAsync(server);
        await Browser.SignInAsync(page, "vera", Password, "/incidents");
        await Assertions.Expect(page.Locator($"tr[data-incident='{incident}']")).ToBeVisibleAsync();
        using (var status = await server.Stranger.GetAsync("/status/acme"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Contains("Checkout", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await postgres.StopServerAsync();
        // The next visitor's request builds the public view again, this time without storage.
        server.Services.GetRequiredService<StatusPageSnapshots>().Invalidate();

        foreach (var path in paths)
        {
            using var answer = await client.GetAsync(path);
            var html = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path} answered {(int)answer.StatusCode}: {html}");
            Assert.Equal(TimeSpan.FromSeconds(30), answer.Headers.RetryAfter?.Delta);
            Assert.Contains("<h2 id=\"storage-down-title\">Storage unavailable</h2>", html, StringComparison.Ordinal);
            Assert.Contains("Ballast cannot show", html, StringComparison.Ordinal);
            // A complete page: the layout's navigation is there around the message.
            Assert.Contains("</nav>", html, StringComparison.Ordinal);
        }

        using (var status = await server.Stranger.GetAsync("/status/acme"))
        {
            var html = await status.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Contains("Checkout", html, StringComparison.Ordinal);
            Assert.Contains("Partial outage", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Storage", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(postgres.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), html, StringComparison.Ordinal);
        }
        using (var feed = await server.Stranger.GetAsync("/status/acme/feed.atom"))
            Assert.Equal(HttpStatusCode.OK, feed.StatusCode);

        await page.ReloadAsync();
        var notice = page.GetByRole(AriaRole.Alert).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Storage unavailable" }) });
        await Assertions.Expect(notice).ToContainTextAsync("Ballast cannot show the incidents");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incidents", Level = 1 })).ToBeVisibleAsync();
        await Browser.ScreenshotBothAsync(page, "incidents-storage-down");
    }
}
