using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>The engine on a fake clock against a real HTTP target whose health the test switches.</summary>
public sealed class MonitoringEngineTests : IAsyncLifetime
{
    /// <summary>Checks start at their exact planned times, so the tests can assert them to the tick.</summary>
    private static readonly MonitoringEngineOptions Exact = new() { WakeGranularity = TimeSpan.Zero };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingSink _sink = new();
    private MonitoringServices _services = null!;
    private MonitoringEngine _engine = null!;
    private TestWebServer _target = null!;
    private volatile int _status = 200;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.StatusCode(_status)));
        _services = new MonitoringServices(_time, _sink, Exact);
        _engine = _services.Engine;
    }

    private HttpMonitorConfig Api(int failureThreshold = 2, int successThreshold = 1) => new()
    {
        Name = "api",
        Url = _target.Url("/health"),
        Interval = TimeSpan.FromSeconds(30),
        RetryInterval = TimeSpan.FromSeconds(5),
        FailureThreshold = failureThreshold,
        SuccessThreshold = successThreshold,
        Conditions = [Condition.Parse("[STATUS] == 200")],
    };

    private void Start(params MonitorConfig[] monitors) =>
        _engine.Start(monitors, 16, new Dictionary<string, MonitorStatus>(), new Dictionary<string, Incident>());

    /// <summary>Moves the clock once the loops are waiting on it, then waits for them to finish what it woke.</summary>
    private async Task Advance(TimeSpan by)
    {
        await _engine.WhenParkedAsync();
        _time.Advance(by);
        await _engine.WhenParkedAsync();
    }

    [Fact]
    public async Task Checks_FollowIntervalWhileUpAndRetryIntervalWhileFailing()
    {
        var monitor = Api();
        Start(monitor);
        var offset = MonitoringEngine.FirstRunOffset("api", monitor.Interval);
        var start = _time.GetUtcNow();

        await Advance(offset);
        await Advance(TimeSpan.FromSeconds(30));
        _status = 503;
        await Advance(TimeSpan.FromSeconds(30));
        await Advance(TimeSpan.FromSeconds(5));
        await Advance(TimeSpan.FromSeconds(5));

        var at = _sink.Records.Select(r => r.Result.StartedAt - start - offset).ToArray();
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(65), TimeSpan.FromSeconds(70)], at);
    }

    [Fact]
    public async Task Incident_OpensExactlyAtFailureThreshold_AndResolvesAtSuccessThreshold()
    {
        Start(Api(failureThreshold: 3, successThreshold: 2));
        var offset = MonitoringEngine.FirstRunOffset("api", TimeSpan.FromSeconds(30));
        await Advance(offset);
        _status = 503;

        await Advance(TimeSpan.FromSeconds(30));
        await Advance(TimeSpan.FromSeconds(5));
        Assert.All(_sink.Records, r => Assert.Null(r.Incident));
        Assert.Equal(MonitorState.Pending, _sink.Records[^1].Status.State);

        await Advance(TimeSpan.FromSeconds(5));
        var opened = _sink.Records[^1];
        Assert.Equal(MonitorState.Down, opened.Status.State);
        Assert.NotNull(opened.Incident);
        var firstFailure = _sink.Records[1].Result;
        Assert.Equal(firstFailure.StartedAt, opened.Incident.StartedAt);
        Assert.Equal(opened.Result.FinishedAt, opened.Incident.DetectedAt);
        Assert.Equal(TimeSpan.FromSeconds(10), opened.Incident.TimeToDetect);
        Assert.Equal("[STATUS] == 200 failed: got 503", opened.Incident.Cause);

        _status = 200;
        await Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(MonitorState.Down, _sink.Records[^1].Status.State);
        await Advance(TimeSpan.FromSeconds(5));
        var resolved = _sink.Records[^1];
        Assert.Equal(MonitorState.Up, resolved.Status.State);
        Assert.Equal(opened.Incident.Id, resolved.Incident!.Id);
        Assert.Equal(TimeSpan.FromSeconds(20), resolved.Incident.TimeToRecover);
    }

    [Fact]
    public async Task WakeGranularity_ChecksDueTogetherStartTogetherOnTheGrid()
    {
        await using var services = new MonitoringServices(_time, _sink, new MonitoringEngineOptions { WakeGranularity = TimeSpan.FromMilliseconds(10) });
        var coalescing = services.Engine;
        var monitors = Enumerable.Range(0, 40).Select(i => Api() with { Name = $"api-{i}" }).ToArray();
        coalescing.Start(monitors, 64, new Dictionary<string, MonitorStatus>(), new Dictionary<string, Incident>());

        for (var step = 0; step < 3000 && _sink.Records.Count < monitors.Length; step++)
        {
            await coalescing.WhenParkedAsync();
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }
        await coalescing.WhenParkedAsync();

        Assert.Equal(monitors.Length, _sink.Records.Count);
        var start = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
        foreach (var record in _sink.Records)
        {
            var planned = start + MonitoringEngine.FirstRunOffset(record.Result.Monitor, TimeSpan.FromSeconds(30));
            Assert.Equal(0, record.Result.StartedAt.UtcTicks % TimeSpan.FromMilliseconds(10).Ticks);
            Assert.InRange(record.Result.StartedAt - planned, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
        }
    }

    [Fact]
    public async Task Timeout_IsAFailedCheck()
    {
        var slow = await TestWebServer.StartAsync(app => app.MapGet("/", async (HttpContext c) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, c.RequestAborted); // never answers
            return "late";
        }));
        await using (slow)
        {
            var monitor = new HttpMonitorConfig { Name = "slow", Url = slow.BaseAddress, Timeout = TimeSpan.FromSeconds(2), Interval = TimeSpan.FromSeconds(10) };
            Start(monitor);
            await _engine.WhenParkedAsync();
            _time.Advance(MonitoringEngine.FirstRunOffset("slow", monitor.Interval));
            // The request is in flight on the real server; the fake clock reaches the timeout.
            while (_sink.Records.Count == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(500));
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            Assert.Equal("[STATUS] >= 200 failed: no response: timed out after 2s waiting for the response", _sink.Records[0].Result.Cause);
        }
    }

    [Fact]
    public async Task Apply_ChangedMonitorRestarts_UnchangedKeepsRunning_RemovedStops()
    {
        var db = new TcpMonitorConfig { Name = "db", Target = $"127.0.0.1:{_target.BaseAddress.Port}", Interval = TimeSpan.FromSeconds(10) };
        Start(Api(), db);
        await Advance(TimeSpan.FromSeconds(30));
        var before = _sink.Records.Count;

        _engine.Apply([Api() with { FailureThreshold = 5 }]);
        await Advance(TimeSpan.FromSeconds(30));

        var names = _engine.Snapshot().Select(s => s.Config.Name).ToArray();
        Assert.Equal(["api"], names);
        Assert.Equal(5, _engine.Snapshot()[0].Config.FailureThreshold);
        Assert.DoesNotContain(_sink.Records.Skip(before), r => r.Result.Monitor == "db");
        Assert.Contains(_sink.Records.Skip(before), r => r.Result.Monitor == "api");
    }

    [Fact]
    public async Task Start_ResumesSavedStateAndOpenIncident()
    {
        var incident = new Incident("inc-1", "api", _time.GetUtcNow().AddMinutes(-10), _time.GetUtcNow().AddMinutes(-9), null, "got 503");
        _engine.Start([Api()], 4,
            new Dictionary<string, MonitorStatus> { ["api"] = new("api", MonitorState.Down, 7, 0, incident.StartedAt, "inc-1") },
            new Dictionary<string, Incident> { ["api"] = incident });

        Assert.Equal(MonitorState.Down, _engine.Snapshot()[0].Status.State);
        await Advance(TimeSpan.FromSeconds(30));

        var resolved = _sink.Records[^1].Incident;
        Assert.Equal("inc-1", resolved?.Id);
        Assert.NotNull(resolved?.ResolvedAt);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _target.DisposeAsync();
    }
}
