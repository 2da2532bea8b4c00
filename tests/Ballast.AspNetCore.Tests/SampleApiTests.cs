using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.AspNetCore.Tests;

/// <summary>
/// samples/SampleApi as a real process against the PostgreSQL and Redis that scripts/test.sh starts: the story's
/// releases, dependency outages, the contract, the API itself and the fault switches.
/// </summary>
public sealed class SampleApiTests : IAsyncDisposable
{
    private static readonly string[] Phases =
    [
        "Database connection established", "Redis connection established", "All routes mapped", "Application successfully started",
        "Listening on port", "Cache warmed",
    ];

    private readonly List<IAsyncDisposable> _owned = [];

    private async Task<SampleApiProcess> StartAsync(string release, Action<Dictionary<string, string?>>? adjust = null, string? redis = null)
    {
        var env = await SampleApiProcess.EnvironmentAsync(release, redis ?? TestRedisServer.Shared());
        adjust?.Invoke(env);
        var api = SampleApiProcess.Start(env);
        _owned.Add(api);
        return api;
    }

    private static async Task<JsonElement> ReadyChecksAsync(SampleApiProcess api, HttpStatusCode expected)
    {
        using var response = await api.Client.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(expected == response.StatusCode, $"ready answered {(int)response.StatusCode}: {body}");
        return body.GetProperty("checks");
    }

    private static string? Output(JsonElement checks, string key) => checks.GetProperty(key)[0].GetProperty("output").GetString();

    private static string Status(JsonElement checks, string key) => checks.GetProperty(key)[0].GetProperty("status").GetString()!;

    [Fact]
    public async Task Contract_PrintedWithoutAnyDependency_EqualsTheCheckedInFile()
    {
        await using var process = ChildProcess.Start("dotnet", [SampleApiProcess.Assembly, BallastContract.Flag],
            new Dictionary<string, string?> { ["DATABASE_URL"] = null, ["REDIS_URL"] = null, ["BALLAST_RELEASE"] = null, ["BALLAST_STARTUP_TIMEOUT"] = null });
        Assert.Equal(0, await process.WaitForExitAsync());

        var checkedIn = await File.ReadAllTextAsync(Repository.Path("samples", "SampleApi", "ballast.contract.json"));
        Assert.Equal(checkedIn.TrimEnd(), process.Output.TrimEnd());
    }

    [Fact]
    public async Task Release162_OldEnvironment_IsReady_PhasesLoggedInOrderWithTheRealPort()
    {
        var api = await StartAsync("162");

        var ready = JsonDocument.Parse(await api.WaitForAsync("/health/ready", HttpStatusCode.OK)).RootElement;
        Assert.Equal("pass", ready.GetProperty("status").GetString());
        foreach (var check in new[] { "startup:completed", "environment:contract", "postgres:responding", "redis:responding" })
            Assert.Equal("pass", Status(ready.GetProperty("checks"), check));

        var lines = api.Process.Lines;
        var at = Phases.Select(p => lines.ToList().FindIndex(l => l.Contains($"] {p}", StringComparison.Ordinal))).ToArray();
        Assert.All(at, i => Assert.True(i >= 0, "a phase was not logged:\n" + api.Process.Output));
        Assert.Equal(at.Order(), at);
        Assert.Contains(lines, l => l.Contains($"Listening on port {api.Port} (+", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("AI token budgets", StringComparison.Ordinal));

        var version = JsonDocument.Parse(await api.Client.GetStringAsync("/version")).RootElement;
        Assert.Equal("162", version.GetProperty("release").GetString());
        var names = string.Join('\n', new[] { "DATABASE_URL", "REDIS_URL" }.Order(StringComparer.Ordinal));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(names))), version.GetProperty("envFingerprint").GetString());
    }

    [Fact]
    public async Task Release165_OldEnvironment_IsLiveButNeverReady_LogsTheStallLine_NamesTheMissingVariables()
    {
        var api = await StartAsync("165", env => env["BALLAST_STARTUP_TIMEOUT"] = "2s");

        await api.Process.WaitForLineAsync("crit: .*Startup incomplete after 2s: stuck after phase \"Cache warmed\", waiting for \"AI token budgets loaded\"");
        Assert.Contains(api.Process.Lines, l => l.Contains("Environment contract not met: AI_MAX_TOKENS_CHAT is missing; AI_MAX_TOKENS_SUMMARY is missing", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync("/health/live")).StatusCode);

        var checks = await ReadyChecksAsync(api, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("AI_MAX_TOKENS_CHAT is missing; AI_MAX_TOKENS_SUMMARY is missing", Output(checks, "environment:contract"));
        Assert.StartsWith("stuck after \"Cache warmed\" for ", Output(checks, "startup:completed"), StringComparison.Ordinal);
        Assert.Equal("pass", Status(checks, "postgres:responding"));
        Assert.Equal("pass", Status(checks, "redis:responding"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.Client.GetAsync("/health/startup")).StatusCode);
    }

    [Fact]
    public async Task Release165_WithTheBudgets_IsReady_AndServesTheSummaryWithinTheBudget()
    {
        var api = await StartAsync("sample-api.165", env => (env["AI_MAX_TOKENS_CHAT"], env["AI_MAX_TOKENS_SUMMARY"]) = ("4000", "3"));
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);
        Assert.Contains(api.Process.Lines, l => l.Contains("] AI token budgets loaded (+", StringComparison.Ordinal));

        var created = await (await api.Client.PostAsJsonAsync("/v1/notes", new { text = "one two three four five" })).Content.ReadFromJsonAsync<JsonElement>();
        var summary = await api.Client.GetFromJsonAsync<JsonElement>($"/v1/notes/{created.GetProperty("id").GetInt64()}/summary");
        Assert.Equal("one two three", summary.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task MalformedVariables_AreNamed_LiveStays200()
    {
        var api = await StartAsync("165", env => (env["AI_MAX_TOKENS_CHAT"], env["AI_MAX_TOKENS_SUMMARY"]) = ("lots", "0"));
        await api.WaitForAsync("/health/live", HttpStatusCode.OK);

        var checks = await ReadyChecksAsync(api, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("AI_MAX_TOKENS_CHAT is not a whole number; AI_MAX_TOKENS_SUMMARY is 0, below the minimum 1",
            Output(checks, "environment:contract"));
    }

    [Fact]
    public async Task MalformedConnectionUrl_StopsTheProcessWithTheVariablesName()
    {
        var api = await StartAsync("162", env => env["REDIS_URL"] = "not a url");
        Assert.Equal(1, await api.Process.WaitForExitAsync());
        Assert.Contains(api.Process.Lines, l => l.Contains("crit: SampleApi[6] Cannot start: REDIS_URL is not a redis://host:port URL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RedisDown_ReadyNamesIt_LiveAndTheApiKeepServing_ReadyRecoversWhenRedisIsBack()
    {
        await using var redis = await TestRedisServer.StartAsync();
        var api = await StartAsync("162", redis: redis.Endpoint);
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);

        await redis.StopAsync();
        var failing = await api.WaitForAsync("/health/ready", HttpStatusCode.ServiceUnavailable);
        var checks = JsonDocument.Parse(failing).RootElement.GetProperty("checks");
        Assert.Equal("fail", Status(checks, "redis:responding"));
        Assert.Contains(redis.Endpoint, Output(checks, "redis:responding"), StringComparison.Ordinal);
        Assert.Equal("pass", Status(checks, "postgres:responding"));
        Assert.Equal("pass", Status(checks, "startup:completed"));
        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync("/health/live")).StatusCode);
        using (var list = await api.Client.GetAsync("/v1/notes"))
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);

        await redis.StartAgainAsync();
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);
    }

    [Fact]
    public async Task PostgresDown_ReadyNamesIt_LiveStays200_ReadyRecoversWhenItIsBack()
    {
        var database = new Uri((await SampleApiProcess.EnvironmentAsync("162", TestRedisServer.Shared()))["DATABASE_URL"]!);
        await using var relay = TcpRelay.Start(database.Host, database.Port);
        var api = await StartAsync("162", env => env["DATABASE_URL"] = new UriBuilder(database) { Port = relay.Port }.Uri.ToString());
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);

        relay.Cut();
        var failing = await api.WaitForAsync("/health/ready", HttpStatusCode.ServiceUnavailable);
        var checks = JsonDocument.Parse(failing).RootElement.GetProperty("checks");
        Assert.Equal("fail", Status(checks, "postgres:responding"));
        Assert.Equal("pass", Status(checks, "redis:responding"));
        Assert.Equal(HttpStatusCode.OK, (await api.Client.GetAsync("/health/live")).StatusCode);
        // The pooled connections break first; once the pool is empty the check names the refused address.
        var refused = $"Failed to connect to 127.0.0.1:{relay.Port}: Connection refused";
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); Output(checks, "postgres:responding") != refused; await Task.Delay(200))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), $"postgres output: {Output(checks, "postgres:responding")}");
            checks = await ReadyChecksAsync(api, HttpStatusCode.ServiceUnavailable);
        }

        relay.Restore();
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);
    }

    [Fact]
    public async Task Notes_Crud_ListIsCached_CorsForConfiguredOriginsOnly()
    {
        var api = await StartAsync("162", env => env["CORS_ORIGINS"] = "https://app.example.com, https://admin.example.com");
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);
        var client = api.Client;

        using (var bad = await client.PostAsJsonAsync("/v1/notes", new { text = " " }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var created = await client.PostAsJsonAsync("/v1/notes", new { text = "first" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        using (var miss = await client.GetAsync("/v1/notes"))
        using (var hit = await client.GetAsync("/v1/notes"))
        {
            Assert.Equal("miss", miss.Headers.GetValues("X-Cache").Single());
            Assert.Equal("hit", hit.Headers.GetValues("X-Cache").Single());
            Assert.Equal("first", (await hit.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("text").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/v1/notes/{id}", new { text = "changed" })).StatusCode);
        using (var afterWrite = await client.GetAsync("/v1/notes"))
        {
            Assert.Equal("miss", afterWrite.Headers.GetValues("X-Cache").Single());
            Assert.Equal("changed", (await afterWrite.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("text").GetString());
        }
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/notes/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/notes/{id}")).StatusCode);

        Assert.Equal("https://admin.example.com", await AllowedOriginAsync(client, "https://admin.example.com"));
        Assert.Null(await AllowedOriginAsync(client, "https://elsewhere.example.com"));
    }

    private static async Task<string?> AllowedOriginAsync(HttpClient client, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/ping");
        request.Headers.Add("Origin", origin);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
    }

    [Fact]
    public async Task Faults_CrashOnStart_ExitsWithTheReason()
    {
        var api = await StartAsync("162", env => env["FAULT_CRASH_ON_START"] = "true");
        Assert.Equal(1, await api.Process.WaitForExitAsync());
        Assert.Contains(api.Process.Lines, l => l.Contains("Fault: crashing on start (FAULT_CRASH_ON_START)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Faults_HangBeforeListening_LogsStartingButThePortNeverOpens()
    {
        var api = await StartAsync("162", env => env["FAULT_HANG_BEFORE_LISTEN"] = "1");
        await api.Process.WaitForLineAsync("Fault: hanging before listening");

        Assert.Contains(api.Process.Lines, l => l.Contains("Starting sample-api release 162", StringComparison.Ordinal));
        await Assert.ThrowsAsync<HttpRequestException>(() => api.Client.GetAsync("/health/live"));
        Assert.DoesNotContain(api.Process.Lines, l => l.Contains("Listening on port", StringComparison.Ordinal));
        Assert.False(api.Process.HasExited);
    }

    [Fact]
    public async Task Faults_CorsMissing_FailingRoute_SlowResponses()
    {
        var api = await StartAsync("162", env =>
        {
            env["CORS_ORIGINS"] = "https://app.example.com";
            env["FAULT_CORS_MISSING"] = "true";
            env["FAULT_500_ROUTE"] = "/v1/notes";
            env["FAULT_SLOW_RESPONSES"] = "800ms";
        });
        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);

        var timer = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await AllowedOriginAsync(api.Client, "https://app.example.com"));
        Assert.True(timer.Elapsed >= TimeSpan.FromMilliseconds(800), $"answered in {timer.Elapsed}");
        Assert.Equal(HttpStatusCode.InternalServerError, (await api.Client.GetAsync("/v1/notes")).StatusCode);
    }

    [Fact]
    public async Task Faults_SlowReady_ThenRedisLost()
    {
        // Wide enough windows for a loaded machine: the test must see ready held back, then ready, then Redis lost.
        var api = await StartAsync("162", env => (env["FAULT_SLOW_READY"], env["FAULT_REDIS_LOST_AFTER"]) = ("6s", "12s"));
        await api.WaitForAsync("/health/live", HttpStatusCode.OK);
        var held = await ReadyChecksAsync(api, HttpStatusCode.ServiceUnavailable);
        Assert.StartsWith($"stuck after \"Listening on port {api.Port}\"", Output(held, "startup:completed"), StringComparison.Ordinal);

        await api.WaitForAsync("/health/ready", HttpStatusCode.OK);
        var lost = JsonDocument.Parse(await api.WaitForAsync("/health/ready", HttpStatusCode.ServiceUnavailable)).RootElement.GetProperty("checks");
        Assert.Equal("fail", Status(lost, "redis:responding"));
        Assert.Contains(api.Process.Lines, l => l.Contains("Fault: Redis connection dropped after 12s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sentry_PhasesBecomeBreadcrumbs_TheMissingVariablesAndTheStallBecomeEvents()
    {
        await using var sentry = await TestReceiver.StartAsync();
        var dsn = new UriBuilder(sentry.Url("/1")) { UserName = "0123456789abcdef0123456789abcdef" }.Uri.ToString();
        var api = await StartAsync("165", env => (env["SENTRY_DSN"], env["BALLAST_STARTUP_TIMEOUT"]) = (dsn, "1s"));

        var events = new List<JsonElement>();
        while (events.Count < 2)
        {
            var request = await sentry.NextAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("/api/1/envelope/", request.Path);
            events.AddRange(request.Body.Split('\n').Where(l => l.StartsWith('{'))
                .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("breadcrumbs", out _)));
        }

        string Formatted(JsonElement e) => e.GetProperty("logentry").GetProperty("formatted").GetString()!;
        var contract = Assert.Single(events, e => Formatted(e).StartsWith("Environment contract not met", StringComparison.Ordinal));
        Assert.Equal("AI_MAX_TOKENS_CHAT is missing; AI_MAX_TOKENS_SUMMARY is missing", contract.GetProperty("tags").GetProperty("Problems").GetString());
        var stall = Assert.Single(events, e => Formatted(e).StartsWith("Startup incomplete after 1s", StringComparison.Ordinal));
        Assert.Equal("fatal", stall.GetProperty("level").GetString());
        Assert.Equal("Cache warmed", stall.GetProperty("tags").GetProperty("Phase").GetString());
        Assert.Equal("165", stall.GetProperty("release").GetString());
        var crumbs = stall.GetProperty("breadcrumbs").EnumerateArray().Select(b => b.GetProperty("message").GetString() ?? "").ToArray();
        foreach (var phase in Phases)
            Assert.Contains(crumbs, c => c.StartsWith(phase, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned) await owned.DisposeAsync();
    }
}
