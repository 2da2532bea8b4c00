using Ballast.Testing;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Ballast.Server.Tests;

/// <summary>
/// The state-changing endpoints take only what the CLI sends (a JSON body), and refuse what a web page can make a
/// logged-in person's browser send without asking first.
/// </summary>
public sealed class RequestBodyTests
{
    private const string Monitors = """
          - name: backup
            type: heartbeat
            period: 1h
            token: b4ckup-push-t0ken-01
        """;

    private const string Silence = """{"match":"*","for":"30d","reason":"quiet","by":"page"}""";
    private const string Rollout = """{"release":"evil.1","env":{"DATABASE_URL":"postgres://attacker"}}""";

    private static async Task<string> OpenIncidentAsync(ServerHarness server)
    {
        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/fail", null);
        var open = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        return open[0].GetProperty("id").GetString()!;
    }

    private static async Task<(HttpStatusCode Status, string Detail)> PostAsync(ServerHarness server, string path, HttpContent? content,
        string? secFetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (secFetchSite is not null) request.Headers.Add("Sec-Fetch-Site", secFetchSite);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? "" : JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString()! : text);
    }

    private static async Task AssertNothingChangedAsync(ServerHarness server)
    {
        Assert.Equal(0, (await server.GetJsonAsync("/api/v1/silences")).GetArrayLength());
        var incident = (await server.GetJsonAsync("/api/v1/incidents?open=true"))[0];
        Assert.Equal(JsonValueKind.Null, incident.GetProperty("acknowledgedBy").ValueKind);
        Assert.Equal(0, (await server.GetJsonAsync("/api/v1/services/api/deploys")).GetArrayLength());
    }

    [Fact]
    public async Task TextPlainPost_SilenceAckRollout_Answer415AndChangeNothing()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var incident = await OpenIncidentAsync(server);

        var silence = await PostAsync(server, "/api/v1/silences", new StringContent(Silence, Encoding.UTF8, "text/plain"));
        var ack = await PostAsync(server, $"/api/v1/incidents/{incident}/ack", new StringContent("""{"by":"page"}""", Encoding.UTF8, "text/plain"));
        var emptyAck = await PostAsync(server, $"/api/v1/incidents/{incident}/ack", new StringContent("", Encoding.UTF8, "text/plain"));
        var rollout = await PostAsync(server, "/api/v1/services/api/rollouts", new StringContent(Rollout, Encoding.UTF8, "text/plain"));
        var formSilence = await PostAsync(server, "/api/v1/silences", new FormUrlEncodedContent([new("match", "*")]));
        var untypedAck = await PostAsync(server, $"/api/v1/incidents/{incident}/ack", new ByteArrayContent(Encoding.UTF8.GetBytes("""{"by":"page"}""")));

        Assert.Equal((HttpStatusCode.UnsupportedMediaType,
            "POST /api/v1/silences takes a JSON body sent as Content-Type: application/json; got Content-Type: text/plain; charset=utf-8"), silence);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, ack.Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, emptyAck.Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, rollout.Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, formSilence.Status);
        Assert.Equal((HttpStatusCode.UnsupportedMediaType,
            $"POST /api/v1/incidents/{incident}/ack takes a JSON body sent as Content-Type: application/json; got a body with no Content-Type"), untypedAck);
        await AssertNothingChangedAsync(server);
    }

    [Fact]
    public async Task CrossSitePost_SessionCookieWithoutAntiforgeryToken_Answers403AndChangesNothing()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var incident = await OpenIncidentAsync(server);
        using (var created = await server.Client.PostAsync("/api/v1/silences", new StringContent("""{"match":"other","for":"1h","reason":"kept"}""",
                   Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var kept = (await server.GetJsonAsync("/api/v1/silences"))[0].GetProperty("id").GetString();
        await server.CreateUserAsync("alice", Core.Security.Role.Admin, "correct horse battery");
        // The browser of a logged-in admin, led to a page of another site: it sends the session cookie, but the page
        // cannot read the antiforgery token.
        var (browser, token) = await server.LoginAsync("alice", "correct horse battery");
        using var _ = browser;

        HttpContent Json(string body) => new StringContent(body, Encoding.UTF8, "application/json");
        async Task<(HttpStatusCode Status, string Detail)> Forged(string path, HttpContent? content, string? antiforgery = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.Add("Sec-Fetch-Site", antiforgery is null ? "cross-site" : "same-origin");
            if (antiforgery is not null) request.Headers.Add("X-CSRF-TOKEN", antiforgery);
            using var response = await browser.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? "" : JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString()! : text);
        }
        var silence = await Forged("/api/v1/silences", Json(Silence));
        var ack = await Forged($"/api/v1/incidents/{incident}/ack", Json("""{"by":"page"}"""));
        var bodilessAck = await Forged($"/api/v1/incidents/{incident}/ack", null);
        var rollout = await Forged("/api/v1/services/api/rollouts", Json(Rollout));
        var expire = await Forged($"/api/v1/silences/{kept}/expire", null);

        Assert.Equal(HttpStatusCode.Forbidden, silence.Status);
        Assert.Contains("antiforgery token", silence.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, ack.Status);
        Assert.Equal(HttpStatusCode.Forbidden, bodilessAck.Status);
        Assert.Equal(HttpStatusCode.Forbidden, rollout.Status);
        Assert.Equal(HttpStatusCode.Forbidden, expire.Status);
        var silences = await server.GetJsonAsync("/api/v1/silences?active=true");
        Assert.Equal("other", Assert.Single(silences.EnumerateArray()).GetProperty("match").GetString());
        Assert.Equal(JsonValueKind.Null, (await server.GetJsonAsync("/api/v1/incidents?open=true"))[0].GetProperty("acknowledgedBy").ValueKind);
        Assert.Equal(0, (await server.GetJsonAsync("/api/v1/services/api/deploys")).GetArrayLength());

        // Ballast's own page sends the token it was given: accepted, and the ack is recorded as the session's user, not the body's "by".
        var sameOrigin = await Forged($"/api/v1/incidents/{incident}/ack", Json("""{"by":"mallory"}"""), token);
        Assert.Equal(HttpStatusCode.OK, sameOrigin.Status);
        Assert.Equal("alice", (await server.GetJsonAsync("/api/v1/incidents?open=true"))[0].GetProperty("acknowledgedBy").GetString());
    }

    [Fact]
    public async Task TwoMiBBody_Answers413_NeverA500()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var huge = "{\"match\":\"*\",\"for\":\"1h\",\"reason\":\"" + new string('x', 2 << 20) + "\"}";

        using var response = await server.Client.PostAsync("/api/v1/silences", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await server.GetJsonAsync("/api/v1/silences")).GetArrayLength());
    }
}
