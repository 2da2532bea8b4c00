using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>Heartbeats on a fake clock: pushes arrive through the engine exactly as the push endpoints deliver them.</summary>
public sealed class HeartbeatTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly RecordingSink _sink = new();
    private readonly MonitoringServices _services;
    private readonly MonitoringEngine _engine;

    public HeartbeatTests()
    {
        _services = new MonitoringServices(_time, _sink, new MonitoringEngineOptions { WakeGranularity = TimeSpan.Zero });
        _engine = _services.Engine;
    }

    private void Start(HeartbeatMonitorConfig monitor) =>
        _engine.Start([monitor], 4, new Dictionary<string, MonitorStatus>(), new Dictionary<string, Incident>());

    private async Task Advance(TimeSpan by)
    {
        await _engine.WhenParkedAsync();
        _time.Advance(by);
        await _engine.WhenParkedAsync();
    }

    private async Task Push(HeartbeatSignal signal, int exitCode = 0, string? message = null)
    {
        await _engine.WhenParkedAsync();
        Assert.Equal(PushOutcome.Recorded, _engine.Push(Token, signal, exitCode, message));
        await _engine.WhenParkedAsync();
    }

    private const string Token = "nightly-push-token-0001";

    private static HeartbeatMonitorConfig Period() => new() { Name = "nightly", Token = Token, Period = TimeSpan.FromHours(1), Grace = TimeSpan.FromMinutes(5) };

    private MonitorState State => _engine.Snapshot()[0].Status.State;

    [Fact]
    public async Task Period_NoPingWithinGrace_GoesDownExactlyAtTheDeadline()
    {
        Start(Period());

        await Advance(TimeSpan.FromMinutes(65) - TimeSpan.FromSeconds(1));
        Assert.Empty(_sink.Records);
        await Advance(TimeSpan.FromSeconds(1));

        var down = Assert.Single(_sink.Records);
        Assert.Equal(MonitorState.Down, down.Status.State);
        Assert.Equal(T0.AddMinutes(65), down.Incident!.StartedAt);
        Assert.Equal("no ping within 1h + grace 5m (no ping since monitoring started)", down.Incident.Cause);
    }

    [Fact]
    public async Task Period_PingsInTime_StayUp_AndLateOneRecovers()
    {
        Start(Period());

        await Advance(TimeSpan.FromMinutes(50));
        await Push(HeartbeatSignal.Success);
        await Advance(TimeSpan.FromMinutes(64));
        Assert.Equal(MonitorState.Up, State);
        await Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(MonitorState.Down, State);
        Assert.Contains("last ping 2026-11-27 00:50:00 UTC", _sink.Records[^1].Result.Cause);

        await Push(HeartbeatSignal.Success);
        Assert.Equal(MonitorState.Up, State);
        Assert.NotNull(_sink.Records[^1].Incident?.ResolvedAt);
    }

    [Fact]
    public async Task Fail_GoesDownAtOnce()
    {
        Start(Period());
        await Advance(TimeSpan.FromMinutes(1));

        await Push(HeartbeatSignal.Fail, message: "pg_dump: connection refused");

        Assert.Equal(MonitorState.Down, State);
        Assert.Equal("job reported failure: pg_dump: connection refused", _sink.Records[^1].Incident!.Cause);
        Assert.Equal(T0.AddMinutes(1), _sink.Records[^1].Incident!.DetectedAt);
    }

    [Fact]
    public async Task ExitCode_NonZeroFails_ZeroPasses()
    {
        Start(Period());

        await Push(HeartbeatSignal.ExitCode, exitCode: 3);
        Assert.Equal(MonitorState.Down, State);
        Assert.Equal("job exited with code 3", _sink.Records[^1].Result.Cause);

        await Push(HeartbeatSignal.ExitCode, exitCode: 0);
        Assert.Equal(MonitorState.Up, State);
    }

    [Fact]
    public async Task Start_WithoutFinish_GoesDownAfterGrace_AndDurationIsMeasured()
    {
        Start(Period() with { Conditions = [Condition.Parse("[DURATION] < 3m")] });

        await Advance(TimeSpan.FromMinutes(10));
        await Push(HeartbeatSignal.Start);
        await Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Empty(_sink.Records);
        await Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(MonitorState.Down, State);
        Assert.Equal("run started at 2026-11-27 00:10:00 UTC has not finished after grace 5m", _sink.Records[^1].Result.Cause);

        await Push(HeartbeatSignal.Start);
        await Advance(TimeSpan.FromMinutes(2));
        await Push(HeartbeatSignal.Success);
        Assert.Equal(MonitorState.Up, State);
        Assert.Equal(TimeSpan.FromMinutes(2), _sink.Records[^1].Result.Latency);

        await Push(HeartbeatSignal.Start);
        await Advance(TimeSpan.FromMinutes(4));
        await Push(HeartbeatSignal.Success);
        Assert.Equal("[DURATION] < 3m failed: got 4m", _sink.Records[^1].Result.Cause);
    }

    [Fact]
    public async Task Schedule_MissedRun_GoesDownAtRunPlusGrace()
    {
        // Daily at 03:00 UTC with an hour of grace; it is midnight.
        Start(new HeartbeatMonitorConfig { Name = "nightly", Token = Token, Schedule = "0 3 * * *", Grace = TimeSpan.FromHours(1) });

        await Advance(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(5));
        await Push(HeartbeatSignal.Success); // today's run, on time
        await Advance(TimeSpan.FromHours(24)); // 03:05 next day: tomorrow's run is due, grace not over
        Assert.Equal(MonitorState.Up, State);
        await Advance(TimeSpan.FromMinutes(55)); // 04:00 next day

        Assert.Equal(MonitorState.Down, State);
        Assert.Equal(T0.AddDays(1).AddHours(4), _sink.Records[^1].Incident!.StartedAt);
        Assert.Equal("no ping for the run due 2026-11-28 03:00 +00:00 (schedule \"0 3 * * *\", grace 1h)", _sink.Records[^1].Incident!.Cause);
    }

    [Fact]
    public async Task Push_UnknownTokenOrPaused_IsRefused()
    {
        Start(Period() with { Token = "secret-token" });

        Assert.Equal(PushOutcome.UnknownToken, _engine.Push("nightly", HeartbeatSignal.Success));
        Assert.Equal(PushOutcome.GetNotAllowed, _engine.Push("secret-token", HeartbeatSignal.Success, viaGet: true));
        Assert.Empty(_sink.Records);
        Assert.Equal(PushOutcome.Recorded, _engine.Push("secret-token", HeartbeatSignal.Success));
        _engine.Apply([Period() with { Token = "secret-token", Paused = true }]);
        Assert.Equal(PushOutcome.Paused, _engine.Push("secret-token", HeartbeatSignal.Success));
        _engine.Apply([Period() with { Token = "secret-token", PushViaGet = true }]);
        Assert.Equal(PushOutcome.Recorded, _engine.Push("secret-token", HeartbeatSignal.Success, viaGet: true));
        await _engine.WhenParkedAsync();
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
