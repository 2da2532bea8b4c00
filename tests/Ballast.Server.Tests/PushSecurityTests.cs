using Ballast.Testing;
using System.Net;
using System.Text;
using System.Text.Json;
using Ballast.Core.Config;
using Ballast.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// Push URLs are public on purpose and nothing more: only the random token counts (never the monitor's name, which
/// the monitors API lists), a GET counts only where the monitor asks for it, and bodies are bounded and cleaned.
/// </summary>
public sealed class PushSecurityTests
{
    private const string Token = "b4ckup-push-t0ken-01";

    private const string Configured = $"""
          - name: backup
            type: heartbeat
            period: 1h
            token: {Token}
        """;

    private const string Generated = """
          - name: backup
            type: heartbeat
            period: 1h
        """;

    private static string State(JsonElement list) => list[0].GetProperty("state").GetString()!;

    private static string TokenOf(ServerHarness server) =>
        server.Services.GetRequiredService<ConfigState>().Current.Monitors.OfType<HeartbeatMonitorConfig>().Single().Token!;

    [Fact]
    public async Task Push_ByMonitorName_Is404AndTheMonitorStaysDown()
    {
        await using var server = await ServerHarness.StartAsync(Configured);
        await server.Stranger.PostAsync($"/api/push/{Token}/fail", null);
        await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "DOWN");

        var byName = await server.Stranger.PostAsync("/api/push/backup", null);
        var byNameGet = await server.Stranger.GetAsync("/api/push/backup");

        Assert.Equal(HttpStatusCode.NotFound, byName.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byNameGet.StatusCode);
        // A push that counted would be a second result; the POST below proves results still arrive.
        await server.Stranger.PostAsync($"/api/push/{Token}/fail?msg=second", null);
        var results = await server.EventuallyAsync("/api/v1/monitors/backup/results", l => l.GetArrayLength() == 2);
        Assert.All(results.EnumerateArray(), r => Assert.False(r.GetProperty("passed").GetBoolean()));
        Assert.Equal("DOWN", State(await server.GetJsonAsync("/api/v1/monitors")));
    }

    [Fact]
    public async Task Push_GetOrHeadWithoutOptIn_Is405WithAllowPostAndDoesNotCount()
    {
        await using var server = await ServerHarness.StartAsync(Configured);

        var get = await server.Stranger.GetAsync($"/api/push/{Token}");
        using var head = await server.Stranger.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/push/{Token}/0"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(["POST"], get.Content.Headers.Allow);
        Assert.Contains("push_via_get: true", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        await server.Stranger.PostAsync($"/api/push/{Token}/fail?msg=marker", null);
        var results = await server.EventuallyAsync("/api/v1/monitors/backup/results", l => l.GetArrayLength() >= 1);
        Assert.Equal("job reported failure: marker", Assert.Single(results.EnumerateArray()).GetProperty("cause").GetString());
    }

    [Fact]
    public async Task Push_GetWithOptIn_Counts()
    {
        await using var server = await ServerHarness.StartAsync(Configured + "\n    push_via_get: true");

        var get = await server.Stranger.GetAsync($"/api/push/{Token}?msg=from%20cron");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "UP");
    }

    [Fact]
    public async Task Push_GeneratedToken_IsRandomHiddenFromTheApiAndSurvivesRestartAndReload()
    {
        await using var server = await ServerHarness.StartAsync(Generated);
        var token = TokenOf(server);

        Assert.True(token.Length >= 32, token);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Stranger.PostAsync("/api/push/backup", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Stranger.PostAsync($"/api/push/{token}", null)).StatusCode);
        await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "UP");
        Assert.DoesNotContain(token, await server.Client.GetStringAsync("/api/v1/monitors"), StringComparison.Ordinal);
        Assert.DoesNotContain(token, await server.Client.GetStringAsync("/api/v1/monitors/backup"), StringComparison.Ordinal);

        await server.RestartAsync();
        Assert.Equal(token, TokenOf(server));
        server.WriteConfig(Generated + "\n    grace: 10m\n  - { name: sync, type: heartbeat, period: 1h }");
        await server.EventuallyAsync("/api/v1/monitors", l => l.GetArrayLength() == 2);

        var heartbeats = server.Services.GetRequiredService<ConfigState>().Current.Monitors.OfType<HeartbeatMonitorConfig>().ToArray();
        Assert.Equal(token, heartbeats.Single(h => h.Name == "backup").Token);
        Assert.NotEqual(token, heartbeats.Single(h => h.Name == "sync").Token);
        Assert.Equal(HttpStatusCode.OK, (await server.Stranger.PostAsync($"/api/push/{token}/fail", null)).StatusCode);
        await server.EventuallyAsync("/api/v1/monitors/backup", m => m.GetProperty("monitor").GetProperty("state").GetString() == "DOWN");
    }

    [Fact]
    public async Task Push_BodyOverTheLimit_Is413AndNotCounted_ControlCharactersCleaned()
    {
        await using var server = await ServerHarness.StartAsync(Configured);

        var large = await server.Stranger.PostAsync($"/api/push/{Token}/fail", new StringContent(new string('x', 20_000)));
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/push/{Token}/fail") { Content = new StreamContent(new NonSeekable(Encoding.UTF8.GetBytes(new string('y', 20_000)))) };
        request.Headers.TransferEncodingChunked = true;
        var largeChunked = await server.Stranger.SendAsync(request);
        var escaped = await server.Stranger.PostAsync($"/api/push/{Token}/fail", new StringContent("\u001b[31mdisk\u0007 full\u0000\r\nsee log"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Contains("larger than 16 KB", await large.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, largeChunked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, escaped.StatusCode);
        var result = Assert.Single((await server.EventuallyAsync("/api/v1/monitors/backup/results", l => l.GetArrayLength() >= 1)).EnumerateArray());
        Assert.Equal("job reported failure: \uFFFD[31mdisk\uFFFD full\uFFFD\r\nsee log", result.GetProperty("cause").GetString());
    }

    [Fact]
    public async Task Health_HeadPostOrBody_Refused()
    {
        await using var server = await ServerHarness.StartAsync(Configured);

        using var head = await server.Stranger.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health/live"));
        var post = await server.Stranger.PostAsync("/health/ready", new StringContent("{}"));
        var withBody = await server.Stranger.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/health/live") { Content = new StringContent("hello") });
        var plain = await server.Stranger.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withBody.StatusCode);
        Assert.Contains("takes no request body", await withBody.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    /// <summary>A stream of unknown length, so the client sends it chunked.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
