using System.Net;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// The process provider's drain, through `ballast serve`'s rollout API, with a small Python HTTP service as the
/// release: it has a slow endpoint and dies at once on SIGTERM, so a request cut by an early stop shows as a failure.
/// </summary>
public sealed class DeployDrainTests : IDisposable
{
    private static readonly string Service = PythonRelease.Script("""
        def answer(path):
            url = urlparse(path)
            if url.path == "/slow":
                print(f"slow request started on {release}", flush=True)
                time.sleep(float(parse_qs(url.query)["seconds"][0]))
            return json.dumps({"release": release}).encode()
        """);

    private readonly ProcessServiceHarness _service = new();

    private Task<BallastProcess> ServeAsync(string drainTimeout, string stopTimeout) =>
        _service.ServeAsync(new Dictionary<string, string> { ["service.py"] = Service }, "/usr/bin/python3", "[service.py]",
            $"      drain_timeout: {drainTimeout}\n      stop_timeout: {stopTimeout}");

    /// <summary>Starts a slow request on the live release and returns once the replica is handling it.</summary>
    private async Task<Task<HttpResponseMessage>> SlowRequestAsync(string release, int seconds, BallastProcess serve)
    {
        var slow = _service.Http.GetAsync(_service.ServiceUrl($"/slow?seconds={seconds}"));
        await ProcessServiceHarness.UntilAsync(async () => (await _service.Http.GetStringAsync(_service.Api($"/logs?release={release}")))
            .Contains($"slow request started on {release}", StringComparison.Ordinal), serve);
        return slow;
    }

    [Fact]
    public async Task Rollout_SlowRequestInFlightOnTheOldRelease_CompletesBeforeTheOldReplicaStops()
    {
        using var serve = await ServeAsync(drainTimeout: "60s", stopTimeout: "5s");
        await _service.RolloutAsync("r1");
        var slow = await SlowRequestAsync("r1", seconds: 7, serve);

        var rolled = await _service.RolloutAsync("r2");

        // New requests went to r2 while the slow one finished on r1, longer than stop_timeout after the switch.
        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r1", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("release").GetString());
        Assert.Equal("r1", rolled.GetProperty("previous").GetString());
        Assert.True(rolled.GetProperty("drainMs").GetDouble() > 1000, rolled.ToString());
        Assert.Equal("r2", JsonDocument.Parse(await _service.Http.GetStringAsync(_service.ServiceUrl("/"))).RootElement.GetProperty("release").GetString());
        await serve.TerminateAsync();
    }

    [Fact]
    public async Task Rollout_RequestLongerThanDrainTimeout_OldReplicaIsStoppedAtTheTimeout()
    {
        using var serve = await ServeAsync(drainTimeout: "1s", stopTimeout: "1s");
        await _service.RolloutAsync("r1");
        var slow = await SlowRequestAsync("r1", seconds: 60, serve);

        var rolled = await _service.RolloutAsync("r2");

        // The rollout did not wait for the minute-long request: it gave up at drain_timeout and stopped r1.
        var drainMs = rolled.GetProperty("drainMs").GetDouble();
        Assert.True(drainMs is >= 900 and < 30_000, rolled.ToString());
        var cut = await Record.ExceptionAsync(async () =>
        {
            using var response = await slow;
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.True(cut is null or HttpRequestException, cut?.ToString());
        await serve.TerminateAsync();
        Assert.Contains("still in flight on the old replicas after drain_timeout", serve.Stdout + serve.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _service.Dispose();
}
