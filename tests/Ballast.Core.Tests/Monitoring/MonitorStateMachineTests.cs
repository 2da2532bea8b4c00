using Ballast.Core.Config;
using Ballast.Core.Monitoring;

namespace Ballast.Core.Tests.Monitoring;

public class MonitorStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private static readonly TcpMonitorConfig Config = new() { Name = "db", Target = "h:1", FailureThreshold = 3, SuccessThreshold = 2 };
    private int _ids;

    private Incident? Apply(MonitorStateMachine machine, int second, bool passed, string? cause = null) =>
        machine.Apply(new CheckResult("db", T0.AddSeconds(second), TimeSpan.FromMilliseconds(250), passed, passed ? null : cause ?? "refused"),
            Config, () => $"inc-{++_ids}");

    [Fact]
    public void Apply_FailuresBelowThreshold_StayPending()
    {
        var machine = new MonitorStateMachine(new MonitorStatus("db", MonitorState.Up), null);

        Assert.Null(Apply(machine, 0, false));
        Assert.Null(Apply(machine, 10, false));

        Assert.Equal(MonitorState.Pending, machine.Status.State);
        Assert.Equal(2, machine.Status.ConsecutiveFailures);
        Assert.Null(machine.OpenIncident);
    }

    [Fact]
    public void Apply_FailureThresholdReached_OpensIncidentDatedFromFirstFailure()
    {
        var machine = new MonitorStateMachine(new MonitorStatus("db", MonitorState.Up), null);
        Apply(machine, 0, true);

        Apply(machine, 30, false, "first");
        Apply(machine, 35, false, "second");
        var opened = Apply(machine, 40, false, "third");

        Assert.NotNull(opened);
        Assert.Equal(MonitorState.Down, machine.Status.State);
        Assert.Equal(T0.AddSeconds(30), opened.StartedAt);
        Assert.Equal(T0.AddSeconds(40.25), opened.DetectedAt);
        Assert.Equal(TimeSpan.FromSeconds(10.25), opened.TimeToDetect);
        Assert.Equal("third", opened.Cause);
        Assert.Null(opened.ResolvedAt);
        Assert.Equal(opened.Id, machine.Status.IncidentId);
    }

    [Fact]
    public void Apply_PassBetweenFailures_RestartsTheCount()
    {
        var machine = new MonitorStateMachine(new MonitorStatus("db", MonitorState.Up), null);

        Apply(machine, 0, false);
        Apply(machine, 5, false);
        Apply(machine, 10, true);
        Apply(machine, 15, false);
        Apply(machine, 20, false);

        Assert.Equal(MonitorState.Pending, machine.Status.State);
        Assert.Equal(T0.AddSeconds(15), machine.Status.FirstFailureAt);
        Assert.Null(machine.OpenIncident);
    }

    [Fact]
    public void Apply_SuccessThresholdReached_ResolvesIncident()
    {
        var machine = new MonitorStateMachine(new MonitorStatus("db", MonitorState.Up), null);
        Apply(machine, 0, false);
        Apply(machine, 5, false);
        Apply(machine, 10, false);

        Assert.Null(Apply(machine, 15, true));
        Assert.Equal(MonitorState.Down, machine.Status.State);
        Assert.Null(Apply(machine, 20, false)); // a failure during recovery restarts it, without a new incident
        Assert.Null(Apply(machine, 25, true));
        var resolved = Apply(machine, 30, true);

        Assert.NotNull(resolved);
        Assert.Equal(T0.AddSeconds(30.25), resolved.ResolvedAt);
        Assert.Equal(TimeSpan.FromSeconds(30.25), resolved.TimeToRecover);
        Assert.Equal(MonitorState.Up, machine.Status.State);
        Assert.Null(machine.OpenIncident);
        Assert.Null(machine.Status.IncidentId);
        Assert.Equal(1, _ids);
    }

    [Fact]
    public void SetPaused_KeepsTheIncidentAndReturnsToDown()
    {
        var machine = new MonitorStateMachine(new MonitorStatus("db", MonitorState.Up), null);
        Apply(machine, 0, false);
        Apply(machine, 5, false);
        Apply(machine, 10, false);

        machine.SetPaused(true, T0.AddMinutes(1));
        Assert.Equal(MonitorState.Paused, machine.Status.State);
        machine.SetPaused(false, T0.AddMinutes(2));

        Assert.Equal(MonitorState.Down, machine.Status.State);
        Assert.NotNull(machine.OpenIncident);
    }
}
