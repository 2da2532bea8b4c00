using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>What the engine tells an <see cref="IMonitorStateListener"/>: every change of state or incident, and nothing else.</summary>
public sealed class MonitorStateListenerTests : IAsyncDisposable
{
    private const string Token = "nightly-push-token-0001";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
    private readonly Recorder _listener = new();
    private readonly MonitoringEngine _engine;

    private sealed class Recorder : IMonitorStateListener
    {
        public List<(string Monitor, MonitorState State, string? IncidentId)> Changes { get; } = [];

        public void OnMonitorChanged(MonitorConfig monitor, MonitorStatus status)
        {
            lock (Changes) Changes.Add((monitor.Name, status.State, status.IncidentId));
        }
    }

    public MonitorStateListenerTests() =>
        _engine = new MonitoringEngine([], new RecordingSink(), _time, NullLogger<MonitoringEngine>.Instance,
            new MonitoringEngineOptions { WakeGranularity = TimeSpan.Zero }, stateListeners: [_listener]);

    private static HeartbeatMonitorConfig Nightly(bool paused = false) =>
        new() { Name = "nightly", Token = Token, Period = TimeSpan.FromHours(1), Grace = TimeSpan.FromHours(1), FailureThreshold = 2, Paused = paused };

    private void Push(HeartbeatSignal signal) => Assert.Equal(PushOutcome.Recorded, _engine.Push(Token, signal));

    [Fact]
    public void Checks_ToldOfEachStateOrIncidentChange_NotOfChecksThatChangeNeither()
    {
        _engine.Start([Nightly()], 4, new Dictionary<string, MonitorStatus>(), new Dictionary<string, Incident>());

        Push(HeartbeatSignal.Success);
        Push(HeartbeatSignal.Success);
        Push(HeartbeatSignal.Fail);
        Push(HeartbeatSignal.Fail);
        Push(HeartbeatSignal.Fail);
        Push(HeartbeatSignal.Success);
        _engine.Apply([Nightly(paused: true)]);

        var incident = _listener.Changes[2].IncidentId;
        Assert.NotNull(incident);
        (string, MonitorState, string?)[] expected =
        [
            ("nightly", MonitorState.Up, null),
            ("nightly", MonitorState.Pending, null),
            ("nightly", MonitorState.Down, incident),
            ("nightly", MonitorState.Up, null),
            ("nightly", MonitorState.Paused, null),
        ];
        Assert.Equal(expected, _listener.Changes);
    }

    public async ValueTask DisposeAsync() => await _engine.DisposeAsync();
}
