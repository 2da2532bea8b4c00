using System.Net;
using System.Text.Json;
using Ballast.Core.Diagnostics;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ballast.Server.Tests;

public sealed class MonitoringApiTests : IAsyncLifetime
{
    private TestWebServer _target = null!;
    private volatile int _status = 200;

    public async ValueTask InitializeAsync() =>
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.Json(new { status = _status == 200 ? "pass" : "fail" }, statusCode: _status)));

    private string Monitor(string name = "api") => $$"""
          - name: {{name}}
            type: http
            url: {{_target.Url("/health")}}
            interval: 200ms
            retry_interval: 100ms
            failure_threshold: 2
            conditions: ["[STATUS] == 200", "[BODY].status == pass"]
        """;

    private static JsonElement Find(JsonElement list, string name) => list.EnumerateArray().First(m => m.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Monitors_ListStateLatencyAndUptime()
    {
        await using var server = await ServerHarness.StartAsync(Monitor());

        var list = await server.EventuallyAsync("/api/v1/monitors", l => Find(l, "api").GetProperty("uptime24h").ValueKind == JsonValueKind.Number);

        var api = Find(list, "api");
        Assert.Equal("UP", api.GetProperty("state").GetString());
        Assert.Equal("http", api.GetProperty("type").GetString());
        Assert.True(api.GetProperty("lastLatencyMs").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, api.GetProperty("lastError").ValueKind);
        Assert.Equal(100, api.GetProperty("uptime24h").GetDouble());
        Assert.Equal(100, api.GetProperty("uptime30d").GetDouble());
        var detail = await server.GetJsonAsync("/api/v1/monitors/api");
        Assert.Equal(["24h", "7d", "30d", "365d"], detail.GetProperty("uptime").EnumerateArray().Select(u => u.GetProperty("range").GetString()));
    }

    [Fact]
    public async Task Incident_OpensWithCause_ThenResolves_AndResultsShowBoth()
    {
        await using var server = await ServerHarness.StartAsync(Monitor());
        await server.EventuallyAsync("/api/v1/monitors", l => Find(l, "api").GetProperty("state").GetString() == "UP");
        // Stored times have millisecond precision, and so has the results API's since=: compare at that precision.
        var before = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());

        _status = 503;
        var open = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var incident = open[0];
        Assert.Equal("api", incident.GetProperty("monitor").GetString());
        Assert.Equal("[STATUS] == 200 failed: got 503", incident.GetProperty("cause").GetString());
        Assert.True(incident.GetProperty("detectedAt").GetDateTimeOffset() >= incident.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal("DOWN", Find(await server.GetJsonAsync("/api/v1/monitors"), "api").GetProperty("state").GetString());

        _status = 200;
        var resolved = await server.EventuallyAsync("/api/v1/incidents?open=false", l => l.GetArrayLength() == 1);
        Assert.Equal(incident.GetProperty("id").GetString(), resolved[0].GetProperty("id").GetString());
        Assert.True(resolved[0].GetProperty("timeToRecoverSeconds").GetDouble() > 0);
        Assert.Empty((await server.GetJsonAsync("/api/v1/incidents?open=true")).EnumerateArray());

        var results = await server.GetJsonAsync($"/api/v1/monitors/api/results?since={Uri.EscapeDataString(before.ToString("O"))}");
        Assert.Contains(results.EnumerateArray(), r => !r.GetProperty("passed").GetBoolean() && r.GetProperty("status").GetInt32() == 503);
        Assert.Contains(results.EnumerateArray(), r => r.GetProperty("passed").GetBoolean());
        Assert.All(results.EnumerateArray(), r => Assert.True(r.GetProperty("startedAt").GetDateTimeOffset() >= before));
    }

    [Fact]
    public async Task Results_BadSinceOrUnknownMonitor_SayWhat()
    {
        await using var server = await ServerHarness.StartAsync(Monitor());

        var bad = await server.Client.GetAsync("/api/v1/monitors/api/results?since=yesterday");
        var unknown = await server.Client.GetAsync("/api/v1/monitors/nope/results");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("since=\"yesterday\" is not an ISO 8601 time", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Health_LiveAndReady()
    {
        await using var server = await ServerHarness.StartAsync(Monitor());

        var live = await server.Client.GetAsync("/health/live");
        var ready = await server.GetJsonAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("application/health+json", live.Content.Headers.ContentType?.MediaType);
        Assert.Equal("pass", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_StorageUnreachable_ReadySaysWhyAndHowMuchWaits_UntilItReturns()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var relay = TcpRelay.Start(database.Host, database.Port);
        var storage = new UriBuilder(database) { Port = relay.Port }.Uri.ToString();
        await using var server = await ServerHarness.StartAsync(Monitor(), storage: storage);
        await server.EventuallyAsync("/api/v1/monitors", l => l[0].GetProperty("state").GetString() == "UP");

        relay.Cut();
        var failing = await EventuallyReadyAsync(server, HttpStatusCode.ServiceUnavailable);
        var check = failing.GetProperty("checks").GetProperty("storage:writes")[0];
        Assert.Equal("fail", failing.GetProperty("status").GetString());
        Assert.Equal("fail", check.GetProperty("status").GetString());
        Assert.Matches($@"^failing for \d+s: .*127\.0\.0\.1:{relay.Port}.*; \d+ writes waiting$", check.GetProperty("output").GetString());
        // A stranger learns that storage fails, not where the database is.
        using var toStranger = await server.Stranger.GetAsync("/health/ready");
        var strangerCheck = JsonDocument.Parse(await toStranger.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("storage:writes")[0];
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "fail", JsonValueKind.Null),
            (toStranger.StatusCode, strangerCheck.GetProperty("status").GetString(), strangerCheck.GetProperty("output").ValueKind));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/v1/stats")).StatusCode);

        relay.Restore();
        var ready = await EventuallyReadyAsync(server, HttpStatusCode.OK);
        Assert.Equal("pass", ready.GetProperty("checks").GetProperty("storage:writes")[0].GetProperty("status").GetString());
    }

    private static async Task<JsonElement> EventuallyReadyAsync(ServerHarness server, HttpStatusCode wanted)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(90))
        {
            using var response = await server.Client.GetAsync("/health/ready");
            if (response.StatusCode == wanted) return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            await Task.Delay(100);
        }
        throw new TimeoutException($"/health/ready never answered {(int)wanted}");
    }

    [Fact]
    public async Task Reload_ValidEditApplies_InvalidEditIsRejectedAndServingContinues()
    {
        var reload = new RecordingLogger<ConfigReloadService>();
        await using var server = await ServerHarness.StartAsync(Monitor(), configureServices: s => s.AddSingleton<ILogger<ConfigReloadService>>(reload));
        await server.EventuallyAsync("/api/v1/monitors", l => l.GetArrayLength() == 1);

        server.WriteConfig(Monitor() + "\n" + Monitor("second"));
        await server.EventuallyAsync("/api/v1/monitors", l => l.GetArrayLength() == 2 && Find(l, "second").GetProperty("state").GetString() == "UP");

        server.WriteConfig(Monitor() + "\n    intervall: 5s\n");
        await reload.WaitForAsync(LogEvents.Hosting.ConfigReloadRejected);
        Assert.Contains("intervall", await reload.WaitForAsync(LogEvents.Hosting.ConfigProblem), StringComparison.Ordinal);
        var list = await server.GetJsonAsync("/api/v1/monitors");
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
    }

    public async ValueTask DisposeAsync() => await _target.DisposeAsync();
}
