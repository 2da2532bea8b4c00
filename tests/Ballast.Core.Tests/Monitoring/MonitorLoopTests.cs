using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;
using Ballast.Core.Supervision;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>
/// Monitor loops against a real HTTP target on a fake clock, with a sink standing in for the storage writer that can
/// fail or hold a record: a loop that throws is observed and resumes, and a reload never runs two loops on one state.
/// </summary>
public sealed class MonitorLoopTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _fake = new(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));
    private readonly TimerWatch _clock;
    private readonly TroubledSink _sink;
    private readonly LogCollector _logs = new();
    private MonitoringServices _services = null!;
    private LoopSupervisor _supervisor = null!;
    private MonitoringEngine _engine = null!;
    private TestWebServer _target = null!;

    public MonitorLoopTests()
    {
        _clock = new TimerWatch(_fake);
        _sink = new TroubledSink(_clock);
    }

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.Ok()));
        _services = new MonitoringServices(_clock, _sink, new MonitoringEngineOptions { WakeGranularity = TimeSpan.Zero }, _logs);
        _engine = _services.Engine;
        _supervisor = _services.Supervisor;
    }

    private HttpMonitorConfig Api() => new()
    {
        Name = "api",
        Url = _target.Url("/health"),
        Interval = TimeSpan.FromSeconds(30),
        RetryInterval = TimeSpan.FromSeconds(5),
        FailureThreshold = 2,
        Conditions = [Condition.Parse("[STATUS] == 200")],
    };

    private async Task StartAndReachFirstCheckAsync(HttpMonitorConfig monitor)
    {
        _engine.Start([monitor], 16, new Dictionary<string, MonitorStatus>(), new Dictionary<string, Incident>());
        await _engine.WhenParkedAsync();
        _fake.Advance(MonitoringEngine.FirstRunOffset(monitor.Name, monitor.Interval));
    }

    [Fact]
    public async Task MonitorLoop_UnexpectedException_RecordedAsFailedCheckCountedAndLoopResumesAfterBackoff()
    {
        _sink.FailNext = true;
        await StartAndReachFirstCheckAsync(Api());

        var error = (await _sink.Records.WaitForAsync("api", 1, Bound))[0];
        Assert.False(error.Result.Passed);
        Assert.Equal("internal error in Ballast: InvalidOperationException: the writer refused the record", error.Result.Cause);
        Assert.Equal(MonitorState.Pending, error.Status.State);
        Assert.Equal(1, _engine.Stats.Snapshot().LoopFaults);
        Assert.Contains(_logs.Entries, e => e.EventId == LogEvents.Supervision.MonitorLoopFailed && e.Message.StartsWith("Monitor api: its loop failed", StringComparison.Ordinal));
        Assert.Contains(_logs.Entries, e => e.EventId == LogEvents.Supervision.LoopFailed && e.Message.Contains("monitor/api") && e.Exception is InvalidOperationException);
        Assert.Equal("monitor/api", Assert.Single(_supervisor.Degraded()).Loop);

        await _clock.WaitForMoreThanAsync(_sink.TimersAtLastRecord); // the backoff is waiting
        _fake.Advance(LoopSupervisor.FirstRestartDelay);
        var records = await _sink.Records.WaitForAsync("api", 2, Bound);
        Assert.True(records[1].Result.Passed);
        Assert.Equal(error.Result.StartedAt + LoopSupervisor.FirstRestartDelay, records[1].Result.StartedAt);
        Assert.Equal(MonitorState.Up, records[1].Status.State);

        // And it goes on at its cadence.
        await _engine.WhenParkedAsync();
        _fake.Advance(TimeSpan.FromSeconds(30));
        records = await _sink.Records.WaitForAsync("api", 3, Bound);
        Assert.Equal(records[1].Result.StartedAt + TimeSpan.FromSeconds(30), records[2].Result.StartedAt);
    }

    [Fact]
    public async Task Reload_RacingARunningCheck_OneLoopAndOneStateMachine()
    {
        _sink.HoldNext = true;
        await StartAndReachFirstCheckAsync(Api());
        await _sink.Held.WaitAsync(Bound); // the first loop is recording its check

        var apply = Task.Run(() => _engine.Apply([Api() with { Timeout = TimeSpan.FromSeconds(3) }]));
        // Proving an absence: give a second loop every chance (its first check falls within 30 s) to check while the
        // first still holds the state. Before the fix it started at once and recorded beside the held record.
        for (var i = 0; i < 20 && !_sink.Overlapped; i++)
        {
            _fake.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
        }
        Assert.False(_sink.Overlapped, "a second loop recorded while the first one held the monitor's state");

        _sink.Release();
        await apply.WaitAsync(Bound);
        await _engine.WhenParkedAsync();
        _fake.Advance(TimeSpan.FromSeconds(30));
        var records = await _sink.Records.WaitForAsync("api", 2, Bound);

        Assert.False(_sink.Overlapped);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.True(r.Result.Passed));
        Assert.Equal([1, 2], records.Select(r => r.Status.ConsecutiveSuccesses));
        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(_engine.Snapshot()).Config.Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        _sink.Release();
        await _services.DisposeAsync();
        await _target.DisposeAsync();
    }

    /// <summary>Records like the storage writer; on request refuses one record, or holds one until released.</summary>
    private sealed class TroubledSink(TimerWatch clock) : IMonitoringSink
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new();
        private int _inside;

        public RecordingSink Records { get; } = new();
        public volatile bool FailNext;
        public volatile bool HoldNext;
        public volatile bool Overlapped;
        public Task Held => _held.Task;
        public int TimersAtLastRecord { get; private set; }

        public void Release() => _release.Set();

        public void Record(CheckRecord record)
        {
            if (Interlocked.Increment(ref _inside) > 1) Overlapped = true;
            try
            {
                if (FailNext)
                {
                    FailNext = false;
                    throw new InvalidOperationException("the writer refused the record");
                }
                if (HoldNext)
                {
                    HoldNext = false;
                    _held.TrySetResult();
                    _release.Wait(TimeSpan.FromMinutes(1));
                }
                TimersAtLastRecord = clock.Created;
                Records.Record(record);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }
    }
}
