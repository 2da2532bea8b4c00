using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// The process provider's drain, through `ballast serve`'s rollout API, with a small Python HTTP service as the
/// release: it has a slow endpoint and dies at once on SIGTERM, so a request cut by an early stop shows as a failure.
/// </summary>
public sealed class DeployDrainTests : IDisposable
{
    private const string Service = """
        import json, os, sys, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        from urllib.parse import urlparse, parse_qs

        release = os.environ.get("BALLAST_RELEASE", "")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/slow":
                    print(f"slow request started on {release}", flush=True)
                    time.sleep(float(parse_qs(url.query)["seconds"][0]))
                body = json.dumps({"release": release}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """;

    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly int _serverPort = TestTcpServer.ClosedPort();
    private readonly int _servicePort = TestTcpServer.ClosedPort();

    private Uri Api(string path) => new($"http://127.0.0.1:{_serverPort}/api/v1/services/slow{path}");
    private Uri ServiceUrl(string path) => new($"http://127.0.0.1:{_servicePort}{path}");

    private BallastProcess Serve(string drainTimeout, string stopTimeout)
    {
        Directory.CreateDirectory(_dir.File("artifact"));
        File.WriteAllText(_dir.File(Path.Combine("artifact", "service.py")), Service);
        File.WriteAllText(_dir.File("ballast.yaml"), $$"""
            server: { listen: 'http://127.0.0.1:{{_serverPort}}', storage: 'sqlite:ballast.db' }
            services:
              slow:
                provider: process
                process:
                  command: /usr/bin/python3
                  args: [service.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{_servicePort}}'
                  health_path: /health
                  startup_timeout: 90s
                  drain_timeout: {{drainTimeout}}
                  stop_timeout: {{stopTimeout}}
            """);
        return BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
    }

    private async Task<JsonElement> RolloutAsync(string release)
    {
        using var response = await _http.PostAsJsonAsync(Api("/rollouts"), new { release, env = new Dictionary<string, string>(), artifact = _dir.File("artifact") });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, BallastProcess serve)
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(50))
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2) && !serve.HasExited, "not reached; ballast serve said: " + serve.Stderr + serve.Stdout);
        }
    }

    /// <summary>Starts a slow request on the live release and returns once the replica is handling it.</summary>
    private async Task<Task<HttpResponseMessage>> SlowRequestAsync(string release, int seconds, BallastProcess serve)
    {
        var slow = _http.GetAsync(ServiceUrl($"/slow?seconds={seconds}"));
        await UntilAsync(async () => (await _http.GetStringAsync(Api($"/logs?release={release}"))).Contains($"slow request started on {release}", StringComparison.Ordinal), serve);
        return slow;
    }

    [Fact]
    public async Task Rollout_SlowRequestInFlightOnTheOldRelease_CompletesBeforeTheOldReplicaStops()
    {
        using var serve = Serve(drainTimeout: "60s", stopTimeout: "5s");
        await UntilAsync(async () => (await _http.GetAsync(Api(""))).IsSuccessStatusCode, serve);
        await RolloutAsync("r1");
        var slow = await SlowRequestAsync("r1", seconds: 7, serve);

        var rolled = await RolloutAsync("r2");

        // New requests went to r2 while the slow one finished on r1, longer than stop_timeout after the switch.
        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r1", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("release").GetString());
        Assert.Equal("r1", rolled.GetProperty("previous").GetString());
        Assert.True(rolled.GetProperty("drainMs").GetDouble() > 1000, rolled.ToString());
        Assert.Equal("r2", JsonDocument.Parse(await _http.GetStringAsync(ServiceUrl("/"))).RootElement.GetProperty("release").GetString());
        await serve.TerminateAsync();
    }

    [Fact]
    public async Task Rollout_RequestLongerThanDrainTimeout_OldReplicaIsStoppedAtTheTimeout()
    {
        using var serve = Serve(drainTimeout: "1s", stopTimeout: "1s");
        await UntilAsync(async () => (await _http.GetAsync(Api(""))).IsSuccessStatusCode, serve);
        await RolloutAsync("r1");
        var slow = await SlowRequestAsync("r1", seconds: 60, serve);

        var rolled = await RolloutAsync("r2");

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

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }
}
