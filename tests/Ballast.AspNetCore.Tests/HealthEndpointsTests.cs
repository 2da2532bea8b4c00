using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ballast.Core.Deploy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.AspNetCore.Tests;

/// <summary>A real Kestrel app using the library, probed over HTTP.</summary>
public sealed class HealthEndpointsTests : IAsyncDisposable
{
    private readonly string _var = "BALLAST_TEST_TOKENS_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private readonly ConcurrentQueue<string> _logs = new();
    private WebApplication? _app;
    private volatile bool _dependencyUp = true;

    private async Task<HttpClient> StartAsync(Action<BallastHealthOptions>? configure = null, bool withDatabasePhase = false,
        Action<IHealthChecksBuilder>? moreChecks = null, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (time is not null) builder.Services.AddSingleton(time);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders().AddProvider(new ListLogger(_logs));
        builder.Services.AddBallastHealth(o =>
            {
                o.ServiceName = "api";
                o.Release = "165";
                o.RequireEnv(_var, EnvKind.Int, min: 1);
                o.Phases.Clear();
                if (withDatabasePhase) o.Phases.Add("Database connection established");
                o.Phases.AddRange(["All routes mapped", "Application successfully started", "Listening on port"]);
                configure?.Invoke(o);
            })
            .AddCheck("redis", () => _dependencyUp ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("connection refused (127.0.0.1:6379)"), tags: ["ready"]);
        moreChecks?.Invoke(builder.Services.AddHealthChecks());
        _app = builder.Build();
        _app.MapBallastHealth();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    [Fact]
    public async Task Ready_MissingOrMalformedVariable_NamesIt_LiveStays200()
    {
        using var client = await StartAsync();

        var (missing, body) = await Get(client, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, missing);
        Assert.Equal("fail", body.GetProperty("status").GetString());
        Assert.Equal($"{_var} is missing", body.GetProperty("checks").GetProperty("environment:contract")[0].GetProperty("output").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

        Environment.SetEnvironmentVariable(_var, "0");
        var (_, malformed) = await Get(client, "/health/ready");
        Assert.Equal($"{_var} is 0, below the minimum 1", malformed.GetProperty("checks").GetProperty("environment:contract")[0].GetProperty("output").GetString());

        Environment.SetEnvironmentVariable(_var, "4096");
        Assert.Equal(HttpStatusCode.OK, (await Get(client, "/health/ready")).Status);
    }

    [Fact]
    public async Task Ready_DependencyDown_NamesTheCause_AndRecovers()
    {
        Environment.SetEnvironmentVariable(_var, "4096");
        using var client = await StartAsync(o => o.CacheFor = TimeSpan.Zero);
        _dependencyUp = false;

        var (status, body) = await Get(client, "/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("connection refused (127.0.0.1:6379)", body.GetProperty("checks").GetProperty("redis:responding")[0].GetProperty("output").GetString());
        _dependencyUp = true;
        Assert.Equal(HttpStatusCode.OK, (await Get(client, "/health/ready")).Status);
    }

    [Fact]
    public async Task Ready_ManyProbes_OneDependencyRoundTripPerCachePeriod()
    {
        Environment.SetEnvironmentVariable(_var, "1");
        using var client = await StartAsync(o => o.CacheFor = TimeSpan.FromMinutes(1));

        for (var i = 0; i < 50; i++) await client.GetAsync("/health/ready");

        Assert.Equal(1, _app!.Services.GetRequiredService<Readiness>().CheckRuns);
    }

    [Fact]
    public async Task Ready_ChecksHangPastTimeout_ConcurrentProbesGet503NamingThem_WithinAboutOneTimeout()
    {
        Environment.SetEnvironmentVariable(_var, "1");
        var released = new TaskCompletionSource();
        using var client = await StartAsync(o => o.CheckTimeout = TimeSpan.FromSeconds(1), moreChecks: checks => checks
            // One hangs until cancelled, as a client library honouring its token does; one ignores its token altogether.
            .AddAsyncCheck("postgres", async ct =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return HealthCheckResult.Healthy();
            }, tags: ["ready"])
            .AddAsyncCheck("queue", async () =>
            {
                await released.Task;
                return HealthCheckResult.Healthy();
            }, tags: ["ready"]));
        client.Timeout = TimeSpan.FromSeconds(30); // a probe that never answers fails the test instead of hanging it
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
            {
                var started = clock.Elapsed;
                var (status, body) = await Get(client, "/health/ready");
                return (status, body, Took: clock.Elapsed - started);
            }));
            var wall = clock.Elapsed;

            foreach (var (status, body, _) in answers)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.Equal("fail", body.GetProperty("status").GetString());
                Assert.Equal("postgres: no answer within 1s; queue: no answer within 1s", body.GetProperty("output").GetString());
                var checks = body.GetProperty("checks");
                Assert.Equal("no answer within 1s", checks.GetProperty("postgres:responding")[0].GetProperty("output").GetString());
                Assert.Equal("no answer within 1s", checks.GetProperty("queue:responding")[0].GetProperty("output").GetString());
                Assert.Equal("pass", checks.GetProperty("redis:responding")[0].GetProperty("status").GetString());
            }
            // Probes queueing behind each other wait one timeout each: 20 s for the last of them. Half that holds on a
            // loaded 2-core machine while still telling "one shared timeout" from "one timeout per probe in line".
            var queued = 20 * TimeSpan.FromSeconds(1);
            Assert.All(answers, a => Assert.True(a.Took < queued / 2, $"a probe took {a.Took}"));
            Assert.True(wall < queued / 2, $"20 concurrent probes took {wall}");
            // One run serves them all; a second only if a probe came after the first result went stale (a very slow machine).
            Assert.InRange(_app!.Services.GetRequiredService<Readiness>().CheckRuns, 1, 2);
        }
        finally
        {
            released.SetResult();
        }
    }

    [Fact]
    public async Task Startup_Stalled_ReadyFailsSayingWhere_UntilThePhaseArrives()
    {
        Environment.SetEnvironmentVariable(_var, "1");
        using var client = await StartAsync(withDatabasePhase: true);

        var (startupStatus, startup) = await Get(client, "/health/startup");
        var (readyStatus, ready) = await Get(client, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, startupStatus);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.StartsWith("stuck after \"Listening on port", ready.GetProperty("checks").GetProperty("startup:completed")[0].GetProperty("output").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(JsonValueKind.String, startup.GetProperty("stuckAfter").ValueKind);

        _app!.Services.GetRequiredService<StartupPhases>().Phase("Database connection established");
        Assert.Equal(HttpStatusCode.OK, (await Get(client, "/health/ready")).Status);
    }

    [Fact]
    public async Task Startup_StallPastTimeout_LogsOneCriticalLine()
    {
        Environment.SetEnvironmentVariable(_var, "1");
        using var client = await StartAsync(o => o.StartupTimeout = TimeSpan.FromMilliseconds(300), withDatabasePhase: true);

        var deadline = TimeProvider.System.GetTimestamp();
        while (!_logs.Any(l => l.StartsWith("Critical:", StringComparison.Ordinal)) && TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10))
            await Task.Delay(20);

        var critical = Assert.Single(_logs, l => l.StartsWith("Critical:", StringComparison.Ordinal));
        Assert.StartsWith("Critical: Startup incomplete after 0s: stuck after phase \"Listening on port", critical);
    }

    [Fact]
    public async Task Phases_AreLoggedInOrder_WithTheRealPort()
    {
        using var client = await StartAsync();

        var phases = _logs.Where(l => l.StartsWith("Information:", StringComparison.Ordinal)).ToArray();

        Assert.StartsWith("Information: All routes mapped (+", phases[0]);
        Assert.StartsWith("Information: Application successfully started (+", phases[1]);
        Assert.StartsWith($"Information: Listening on port {client.BaseAddress!.Port} (+", phases[2]);
    }

    [Fact]
    public async Task Version_ReportsReleaseAndFingerprintOfNamesSet()
    {
        using var client = await StartAsync();
        var (_, before) = await Get(client, "/version");
        Environment.SetEnvironmentVariable(_var, "7");
        var (_, after) = await Get(client, "/version");

        Assert.Equal(("api", "165"), (after.GetProperty("service").GetString(), after.GetProperty("release").GetString()));
        Assert.NotEqual(before.GetProperty("envFingerprint").GetString(), after.GetProperty("envFingerprint").GetString());
        Environment.SetEnvironmentVariable(_var, "8");
        Assert.Equal(after.GetProperty("envFingerprint").GetString(), (await Get(client, "/version")).Body.GetProperty("envFingerprint").GetString());
    }

    [Fact]
    public async Task Version_FingerprintAndProblems_AreWhatTheDeployerComputesFromTheContract()
    {
        // The two ends of the environment contract: the service judging its own environment, and Ballast's deploy
        // reading the contract the service prints and predicting what /version will say for the env it delivers.
        var url = _var + "_URL";
        var optional = _var + "_DSN";
        BallastHealthOptions? options = null;
        using var client = await StartAsync(o => options = o.RequireEnv(url, EnvKind.Url).OptionalEnv(optional, EnvKind.Url));
        try
        {
            var env = new Dictionary<string, string> { [_var] = "0", [url] = "http://127.0.0.1:5432/api", [optional] = "", ["PATH"] = "/usr/bin" };
            foreach (var (name, value) in env.Where(p => p.Key != "PATH")) Environment.SetEnvironmentVariable(name, value);
            var contract = ServiceContract.Parse(BallastContract.ToJson(options!), "--ballast-contract");

            var (_, version) = await Get(client, "/version");
            var (_, ready) = await Get(client, "/health/ready");

            Assert.Equal(contract.Fingerprint(ServiceContract.SetNames(env)), version.GetProperty("envFingerprint").GetString());
            Assert.NotEqual(contract.Fingerprint([_var, url, optional]), version.GetProperty("envFingerprint").GetString());
            Assert.Equal(string.Join("; ", contract.Problems(env)),
                ready.GetProperty("checks").GetProperty("environment:contract")[0].GetProperty("output").GetString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(url, null);
            Environment.SetEnvironmentVariable(optional, null);
        }
    }

    [Fact]
    public async Task Bodies_AreTheDocumentedHealthJson_ByteForByte()
    {
        var t0 = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        using var client = await StartAsync(time: new FakeTimeProvider(t0));
        var port = client.BaseAddress!.Port;
        const string At = "2026-11-29T10:00:00+00:00";

        var live = await client.GetAsync("/health/live");
        var startup = await client.GetAsync("/health/startup");
        var ready = await client.GetAsync("/health/ready");
        var version = await client.GetStringAsync("/version");

        Assert.Equal("application/health+json", live.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"status":"pass"}""", await live.Content.ReadAsStringAsync());
        Assert.Equal("application/health+json", startup.Content.Headers.ContentType?.MediaType);
        Assert.Equal($$$"""{"status":"pass","startedAt":"{{{At}}}","phases":[{"phase":"All routes mapped","at":"{{{At}}}"},{"phase":"Application successfully started","at":"{{{At}}}"},{"phase":"Listening on port {{{port}}}","at":"{{{At}}}"}],"stuckAfter":null}""",
            await startup.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application/health+json"), (ready.StatusCode, ready.Content.Headers.ContentType?.MediaType));
        // The dependency's observed value is its duration in milliseconds: a real measurement, so only its form is pinned.
        var readyBody = Regex.Replace(await ready.Content.ReadAsStringAsync(), "(\"redis:responding\":\\[\\{\"status\":\"pass\",\"observedValue\":)[0-9.Ee+-]+,", "$1MS,");
        Assert.Equal($$$"""{"status":"fail","output":"environment: {{{_var}}} is missing","serviceId":"api","releaseId":"165","checks":{"startup:completed":[{"status":"pass","observedValue":true,"output":null,"time":"{{{At}}}"}],"environment:contract":[{"status":"fail","observedValue":0,"output":"{{{_var}}} is missing","time":"{{{At}}}"}],"redis:responding":[{"status":"pass","observedValue":MS,"output":null,"time":"{{{At}}}"}]}}""",
            readyBody);
        var assemblyVersion = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Version?.ToString();
        var versionField = assemblyVersion is null ? "null" : $"\"{assemblyVersion}\"";
        // No contract variable is set: the fingerprint is SHA-256 of the empty list of names.
        Assert.Equal($$$"""{"service":"api","version":{{{versionField}}},"release":"165","commit":null,"startedAt":"{{{At}}}","envFingerprint":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}""",
            version);
    }

    [Fact]
    public async Task Ready_ReadByTheDeployer_NamesTheContractFailure()
    {
        using var client = await StartAsync();

        var answer = ReadyAnswer.Explain(await (await client.GetAsync("/health/ready")).Content.ReadAsStringAsync());

        Assert.Equal(($"environment:contract: {_var} is missing", true), (answer.Text, answer.ContractFails));
        Assert.Equal(("<html>busy</html>", false), (ReadyAnswer.Explain("<html>busy</html>").Text, ReadyAnswer.Explain("<html>busy</html>").ContractFails));
    }

    [Fact]
    public void Contract_IsTheDocumentedShape()
    {
        var options = new BallastHealthOptions { ServiceName = "api" }
            .RequireEnv("DATABASE_URL", EnvKind.Url).RequireEnv("AI_MAX_TOKENS_CHAT", EnvKind.Int, min: 1).OptionalEnv("SENTRY_DSN");

        var contract = JsonDocument.Parse(BallastContract.ToJson(options)).RootElement;

        Assert.Equal("api", contract.GetProperty("service").GetString());
        Assert.Equal("url", contract.GetProperty("env").GetProperty("DATABASE_URL").GetProperty("kind").GetString());
        Assert.Equal(1, contract.GetProperty("env").GetProperty("AI_MAX_TOKENS_CHAT").GetProperty("min").GetInt32());
        Assert.False(contract.GetProperty("env").GetProperty("SENTRY_DSN").GetProperty("required").GetBoolean());
        Assert.Equal("/health/ready", contract.GetProperty("endpoints").GetProperty("ready").GetString());
        Assert.Equal(5, contract.GetProperty("startup").GetProperty("phases").GetArrayLength());
        Assert.Equal("60s", contract.GetProperty("startup").GetProperty("timeout").GetString());
    }

    [Fact]
    public async Task WhenReached_CompletesWhenThePhaseIsLogged_OrAtOnceWhenItWas()
    {
        var phases = new StartupPhases(new BallastHealthOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<StartupPhases>.Instance);
        var listening = phases.WhenReachedAsync("Listening on port");
        phases.Phase("Database connection established");
        Assert.False(listening.IsCompleted);

        phases.Phase("Listening on port 3697");
        await listening.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(phases.WhenReachedAsync("Database connection").IsCompleted);
    }

    [Fact]
    public void FailedCheckOutput_IsOneLine_OuterMessageAndInnermostCause()
    {
        var refused = new InvalidOperationException("Failed to connect to 127.0.0.1:5432", new System.Net.Sockets.SocketException(111));
        Assert.Equal("Failed to connect to 127.0.0.1:5432: Connection refused", Readiness.Explain(refused));

        var verbose = new InvalidOperationException("The message timed out in the backlog attempting to send because no connection became available (1000ms) - Last Connection Exception: SocketClosed on 127.0.0.1:6379/Interactive, Idle, last: PING",
            new InvalidOperationException("SocketClosed on 127.0.0.1:6379/Interactive, Idle/RanToCompletion, last: SETEX, origin: ReadAllAsync, outstanding: 0, last-read: 0s ago, last-write: 1s ago"));
        Assert.Equal("The message timed out in the backlog attempting to send because no connection became available (1000ms): SocketClosed on 127.0.0.1:6379/Interactive",
            Readiness.Explain(verbose));

        var cutAway = new InvalidOperationException("The message timed out in the backlog attempting to send because no connection became available (1000ms) - Last Connection Exception: none, command=PING, serverEndpoint: 127.0.0.1:6380, mc: 1/1/0");
        Assert.Equal("The message timed out in the backlog attempting to send because no connection became available (1000ms) (127.0.0.1:6380)",
            Readiness.Explain(cutAway));

        Assert.Equal("timeout", Readiness.Explain(new TimeoutException("timeout\n   at Somewhere()")));
        Assert.Null(Readiness.Explain(null));
    }

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_var, null);
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> logs) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => categoryName == typeof(StartupPhases).FullName ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue($"{logLevel}: {formatter(state, exception)}");
        public void Dispose() { }
    }
}
