using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.ServiceModel.Syndication;
using System.Text.Json;
using System.Xml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Ballast.Core.Security;
using Ballast.Testing;

namespace Ballast.Server.Tests;

/// <summary>Public status pages on a real server with real failing targets: what strangers see, and what they must never see.</summary>
public sealed class StatusPageTests
{
    private const string FailureText = "pool exhausted at db-7.internal (SECRET-ERR-7731)";

    private static Task<TestWebServer> StartTargetAsync() => TestWebServer.StartAsync(app =>
    {
        app.MapGet("/internal/billing/ready", () => Results.Text(FailureText, statusCode: 500));
        app.MapGet("/internal/www/ok", () => Results.Text("ok"));
    });

    private static Task<ServerHarness> StartAsync(TestWebServer target) => ServerHarness.StartAsync($$"""
          - { name: internal-billing-db, type: http, url: "{{target.Url("/internal/billing/ready")}}", interval: 200ms, failure_threshold: 1, conditions: ["[STATUS] == 200", "[BODY] contains ready"] }
          - { name: edge-www-probe, type: http, url: "{{target.Url("/internal/www/ok")}}", interval: 200ms }
        """, sections: """
        status_pages:
          - slug: acme
            title: Acme status
            description: How Acme's services are doing.
            groups:
              - name: Services
                components:
                  - { monitor: internal-billing-db, name: Payments }
                  - { monitor: edge-www-probe, name: Website }
        """);

    [Fact]
    public async Task Page_RealFailingTarget_ShowsPartialOutageToStrangers_WithNothingInternal_AndIsCacheable()
    {
        await using var target = await StartTargetAsync();
        await using var server = await StartAsync(target);
        var incident = (await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1))[0];
        await server.EventuallyAsync("/api/v1/monitors", l => l.EnumerateArray().Any(m => m.GetProperty("state").GetString() == "UP"));

        var response = await server.Stranger.GetAsync("/status/acme");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Partial outage", html, StringComparison.Ordinal);
        Assert.Matches("data-component=\"Payments\" data-state=\"Outage\"", html);
        Assert.Matches("data-component=\"Website\" data-state=\"Operational\"", html);
        Assert.Contains("How Acme&#x27;s services are doing.", html, StringComparison.Ordinal);
        // It stays current without a script, reloading itself every minute.
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"60\" />", html, StringComparison.Ordinal);
        // Checked today only: per component the track of 90 days and today's bar.
        Assert.Equal(2 * 2, System.Text.RegularExpressions.Regex.Count(html, "<rect "));
        Assert.Matches(@"<title>\d{4}-\d\d-\d\d: \d+(\.\d+)? % up</title>", html);
        // The same rounding and form as the bars' titles and the dashboard's.
        Assert.Contains("<span>0 % uptime</span>", html, StringComparison.Ordinal);
        Assert.Contains("<span>100 % uptime</span>", html, StringComparison.Ordinal);
        var cause = incident.GetProperty("cause").GetString()!;
        string[] secrets =
        [
            "internal-billing-db", "edge-www-probe", "/internal/", target.BaseAddress.Authority, target.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "SECRET-ERR-7731", "pool exhausted", "db-7.internal", cause, incident.GetProperty("id").GetString()!, "got 500",
        ];
        foreach (var secret in secrets) Assert.DoesNotContain(secret, html, StringComparison.Ordinal);

        Assert.Equal("public, max-age=30", response.Headers.CacheControl?.ToString());
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.NotNull(response.Content.Headers.LastModified);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/status/acme");
        again.Headers.IfNoneMatch.Add(etag);
        var notModified = await server.Stranger.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await server.Stranger.GetAsync("/status/no-such-page")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Stranger.GetAsync("/status/no-such-page/feed.atom")).StatusCode);
    }

    [Fact]
    public async Task Messages_PostNeedsResponder_ThenAppearEscapedOnPageAndFeed_NewestFirst()
    {
        await using var target = await StartTargetAsync();
        await using var server = await StartAsync(target);
        var incident = (await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1))[0].GetProperty("id").GetString()!;
        using var viewer = server.NewClient(await server.CreateTokenAsync("wall", Role.Viewer));
        using var responder = server.NewClient(await server.CreateTokenAsync("oncall", Role.Responder));
        var post = new { title = "Payments failing", body = "We see <script>alert(1)</script> errors\u001b[31m on checkout.", state = "investigating", incident };

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Stranger.PostAsJsonAsync("/api/v1/status-pages/acme/messages", post)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/v1/status-pages/acme/messages", post)).StatusCode);
        var badState = await responder.PostAsJsonAsync("/api/v1/status-pages/acme/messages", post with { state = "on-fire" });
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        Assert.Contains("is not one of investigating, identified, monitoring, resolved", await badState.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await responder.PostAsJsonAsync("/api/v1/status-pages/acme/messages", post with { title = new string('t', 201) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await responder.PostAsJsonAsync("/api/v1/status-pages/acme/messages", post with { incident = "inc-unknown" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await responder.PostAsJsonAsync("/api/v1/status-pages/nope/messages", post)).StatusCode);

        var created = await responder.PostAsJsonAsync("/api/v1/status-pages/acme/messages", post);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var update = await responder.PostAsJsonAsync($"/api/v1/status-pages/acme/messages/{id}/updates", new { body = "A fix is rolling out.", state = "identified" });
        Assert.Equal(HttpStatusCode.NoContent, update.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await responder.PostAsJsonAsync("/api/v1/status-pages/acme/messages/no-such-id/updates", new { body = "x", state = "resolved" })).StatusCode);

        var listed = Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/api/v1/status-pages/acme/messages")).EnumerateArray());
        Assert.Equal(("identified", incident), (listed.GetProperty("state").GetString(), listed.GetProperty("incident").GetString()));
        Assert.Equal(["oncall", "oncall"], listed.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("by").GetString()));
        Assert.Contains("\uFFFD[31m", listed.GetProperty("updates")[1].GetProperty("body").GetString(), StringComparison.Ordinal);

        var html = await server.Stranger.GetStringAsync("/status/acme");
        Assert.Contains("Payments failing", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("A fix is rolling out.", StringComparison.Ordinal) < html.IndexOf("errors", StringComparison.Ordinal), "updates are newest first");
        Assert.Matches(@"<time datetime=""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>", html);
        Assert.DoesNotContain(incident, html, StringComparison.Ordinal);
        Assert.DoesNotContain("oncall", html, StringComparison.Ordinal);

        var feedResponse = await server.Stranger.GetAsync("/status/acme/feed.atom");
        Assert.Equal("application/atom+xml", feedResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=30", feedResponse.Headers.CacheControl?.ToString());
        using var reader = XmlReader.Create(await feedResponse.Content.ReadAsStreamAsync());
        var feed = SyndicationFeed.Load(reader);
        Assert.Equal("https://status.example.com/status/acme", feed.Id);
        Assert.Equal("Acme status", feed.Title.Text);
        Assert.Equal(["Identified: Payments failing", "Investigating: Payments failing"], feed.Items.Select(i => i.Title.Text));
        Assert.All(feed.Items, i => Assert.StartsWith("https://status.example.com/status/acme#update-", i.Id, StringComparison.Ordinal));
        // public_url, not the listen address the server is on, in every link a reader follows.
        Assert.All(feed.Items, i => Assert.StartsWith("https://status.example.com/status/acme#message-", i.Links.Single().Uri.ToString(), StringComparison.Ordinal));
        Assert.Equal(["https://status.example.com/status/acme", "https://status.example.com/status/acme/feed.atom"], feed.Links.Select(l => l.Uri.ToString()));
        Assert.Equal("A fix is rolling out.", ((TextSyndicationContent)feed.Items.First().Content).Text);
        Assert.Equal(feed.Items.First().LastUpdatedTime, feed.LastUpdatedTime);
    }

    [Fact]
    public async Task DashboardForm_ResponderPostsWithAntiforgery_RedirectsBack_ViewerIsRefused()
    {
        await using var target = await StartTargetAsync();
        await using var server = await StartAsync(target);
        await server.CreateUserAsync("carol", Role.Responder, "carol's long passphrase");
        await server.CreateUserAsync("vera", Role.Viewer, "vera's long passphrase");

        var (carol, _) = await server.LoginAsync("carol", "carol's long passphrase");
        using (carol)
        {
            var page = await carol.GetStringAsync("/status-pages");
            var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
            Assert.NotEmpty(token);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["title"] = "Scheduled database work", ["body"] = "Payments may be slow for a minute.", ["state"] = "monitoring", ["__RequestVerificationToken"] = token,
            });
            var posted = await carol.PostAsync("/status-pages/acme/messages", form);
            // The browser follows the redirect back to the page, which says it worked.
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            Assert.Equal("/status-pages?page=acme&posted=1", posted.RequestMessage?.RequestUri?.PathAndQuery);
            Assert.Contains("Posted.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var noToken = new FormUrlEncodedContent(new Dictionary<string, string> { ["title"] = "x", ["body"] = "y" });
            Assert.Equal(HttpStatusCode.Forbidden, (await carol.PostAsync("/status-pages/acme/messages", noToken)).StatusCode);
        }
        var (vera, veraToken) = await server.LoginAsync("vera", "vera's long passphrase");
        using (vera)
        {
            Assert.DoesNotContain("<form method=\"post\" action=\"/status-pages/", await vera.GetStringAsync("/status-pages"), StringComparison.Ordinal);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["title"] = "x", ["body"] = "y", ["__RequestVerificationToken"] = veraToken });
            Assert.Equal(HttpStatusCode.Forbidden, (await vera.PostAsync("/status-pages/acme/messages", form)).StatusCode);
        }

        Assert.Contains("Payments may be slow for a minute.", await server.Stranger.GetStringAsync("/status/acme"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_ShowsComingMaintenanceByPublicName_AndFollowsAConfigReload()
    {
        await using var target = await StartTargetAsync();
        var start = TimeProvider.System.GetUtcNow().AddDays(2);
        string Config(string title) => $$"""
              - { name: edge-www-probe, type: http, url: "{{target.Url("/internal/www/ok")}}", interval: 1h, tags: [edge] }
            maintenance:
              - { name: swap-internal-lb-7, tags: [edge], start: "{{start:yyyy-MM-ddTHH:mm:ssZ}}", duration: 30m }
            status_pages:
              - slug: acme
                title: {{title}}
                groups: [ { name: Web, components: [ { monitor: edge-www-probe, name: Website } ] } ]
            """;
        await using var server = await ServerHarness.StartAsync(Config("Acme status"));

        var html = await server.Stranger.GetStringAsync("/status/acme");
        Assert.Contains("Scheduled maintenance", html, StringComparison.Ordinal);
        Assert.Matches(@"<strong>Scheduled</strong>: Website,\s+from <time datetime=""" + start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), html);
        Assert.DoesNotContain("swap-internal-lb-7", html, StringComparison.Ordinal);

        server.WriteConfig(Config("Acme service status"));
        var started = TimeProvider.System.GetTimestamp();
        while (!(await server.Stranger.GetStringAsync("/status/acme")).Contains("<h1>Acme service status</h1>", StringComparison.Ordinal))
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30), "the reloaded title never showed");
            await Task.Delay(100);
        }
    }
}
