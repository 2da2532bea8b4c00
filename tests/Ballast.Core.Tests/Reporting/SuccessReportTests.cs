using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Core.Reporting;

namespace Ballast.Core.Tests.Reporting;

public sealed class SuccessReportTests
{
    private static readonly DateTimeOffset To = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset From = To.AddDays(-30);

    // Maintenance every Sunday 02:00 UTC for two hours on api-*, and on anything tagged db.
    private static readonly BallastConfig Config = ConfigLoader.Parse("""
        maintenance:
          - { name: sunday, monitors: ["api-*"], tags: [db], schedule: "0 2 * * 0", time_zone: UTC, duration: 2h }
        monitors:
          - { name: api-ready, type: tcp, target: "h:1" }
          - { name: pg, type: tcp, target: "h:2", tags: [db] }
          - { name: web, type: tcp, target: "h:3" }
        """, "ballast.yaml").Require();

    private static Incident Outage(string id, string monitor, DateTimeOffset started, int detectSeconds, int? recoverSeconds) =>
        new(id, monitor, started, started.AddSeconds(detectSeconds), recoverSeconds is { } r ? started.AddSeconds(r) : null, "[STATUS] == 200 failed: got 503");

    private static DeployRecord Deploy(long id, DeployOutcome outcome, DateTimeOffset started, string kind = "deploy") =>
        new() { Id = id, Service = "api", Kind = kind, Release = $"api.{id}", StartedAt = started, Who = "ci", Outcome = outcome };

    [Fact]
    public void Compute_EmptyPeriod_EveryGoalMet_NoFigures()
    {
        var report = SuccessReport.Compute([], [], Config, From, To);

        Assert.True(report.AllMet);
        Assert.Equal(30, report.Days);
        Assert.Equal(0, report.Outages.Unexpected);
        Assert.Null(report.Verification.Percent);
        Assert.Null(report.TimeToDetect.MedianSeconds);
        Assert.Null(report.TimeToRecover.WorstSeconds);
        Assert.Equal(300, report.TimeToDetect.GoalSeconds);
        Assert.Equal(600, report.TimeToRecover.GoalSeconds);
    }

    [Fact]
    public void Compute_IncidentsInMaintenanceWindows_AreNotOutages_NorTimed()
    {
        var sunday = new DateTimeOffset(2026, 11, 29, 2, 30, 0, TimeSpan.Zero); // a Sunday, inside the window
        var incidents = new[]
        {
            Outage("a", "api-ready", sunday, 30, 7200),              // covered by name: planned, however long
            Outage("b", "pg", sunday, 30, 7200),                     // covered by tag
            Outage("c", "web", sunday, 60, 120),                     // not covered: an outage
            Outage("d", "api-ready", sunday.AddHours(3), 90, 240),   // after the window closed: an outage
            Outage("e", "api-old", sunday, 10, 20),                  // no longer configured, but its name matches the glob
        };

        var report = SuccessReport.Compute(incidents, [], Config, From, To);

        Assert.Equal(5, report.Outages.Incidents);
        Assert.Equal(3, report.Outages.InMaintenance);
        Assert.Equal(2, report.Outages.Unexpected);
        Assert.Equal(["c", "d"], report.Outages.OutageIds);
        Assert.False(report.Outages.Met);
        Assert.Equal(2, report.TimeToRecover.Incidents);
        Assert.Equal(240, report.TimeToRecover.WorstSeconds);
        Assert.Equal("d", report.TimeToRecover.WorstIncident);
    }

    [Fact]
    public void Compute_MedianOfOddAndEvenCounts_WorstAgainstTheGoal()
    {
        var t = From.AddDays(1);
        var three = new[] { Outage("a", "web", t, 10, 100), Outage("b", "web", t.AddHours(1), 290, 500), Outage("c", "web", t.AddHours(2), 30, 599) };

        var odd = SuccessReport.Compute(three, [], Config, From, To);
        Assert.Equal(30, odd.TimeToDetect.MedianSeconds);
        Assert.Equal(290, odd.TimeToDetect.WorstSeconds);
        Assert.Equal("b", odd.TimeToDetect.WorstIncident);
        Assert.True(odd.TimeToDetect.Met);
        Assert.Equal(500, odd.TimeToRecover.MedianSeconds);
        Assert.True(odd.TimeToRecover.Met);

        var four = three.Append(Outage("d", "web", t.AddHours(3), 300, 601)).ToArray();
        var even = SuccessReport.Compute(four, [], Config, From, To);
        Assert.Equal((30 + 290) / 2.0, even.TimeToDetect.MedianSeconds);
        Assert.Equal(300, even.TimeToDetect.WorstSeconds);
        Assert.False(even.TimeToDetect.Met); // the goal is under 5 minutes: exactly 5 is not
        Assert.Equal((500 + 599) / 2.0, even.TimeToRecover.MedianSeconds);
        Assert.False(even.TimeToRecover.Met);
        Assert.False(even.AllMet);
    }

    [Fact]
    public void Compute_OpenIncident_CountsWithItsTimeSoFar()
    {
        var report = SuccessReport.Compute([Outage("a", "web", To.AddMinutes(-30), 20, null)], [], Config, From, To);

        Assert.Equal(1, report.TimeToRecover.StillOpen);
        Assert.Equal(1800, report.TimeToRecover.WorstSeconds);
        Assert.False(report.TimeToRecover.Met);
    }

    [Fact]
    public void Compute_OnlyWhatStartedInThePeriod_Counts()
    {
        var report = SuccessReport.Compute(
            [Outage("before", "web", From.AddSeconds(-1), 10, 20), Outage("at-end", "web", To, 10, 20), Outage("in", "web", From, 10, 20)],
            [Deploy(1, DeployOutcome.Failed, From.AddSeconds(-1)), Deploy(2, DeployOutcome.Deployed, From)], Config, From, To);

        Assert.Equal(["in"], report.Outages.OutageIds);
        Assert.Equal(1, report.Verification.Deploys);
        Assert.True(report.NeedingPerson.Met);
    }

    [Fact]
    public void Compute_Deploys_VerifiedShareOfThoseThatRolledOut_AndThoseNeedingAPerson()
    {
        var t = From.AddDays(2);
        var deploys = new[]
        {
            Deploy(1, DeployOutcome.Deployed, t),
            Deploy(2, DeployOutcome.Deployed, t.AddHours(1)),
            Deploy(3, DeployOutcome.RolledBack, t.AddHours(2)),             // failed verification, put back by itself
            Deploy(4, DeployOutcome.Refused, t.AddHours(3)),                // changed nothing: no verdict
            Deploy(5, DeployOutcome.DryRun, t.AddHours(4)),                 // no verdict
            Deploy(6, DeployOutcome.Failed, t.AddHours(5)),                 // exit 9
            Deploy(7, DeployOutcome.RollbackFailed, t.AddHours(6), "rollback"), // a manual rollback that failed: exit 8
            Deploy(8, DeployOutcome.Deployed, t.AddHours(7), "rollback"),   // a manual rollback is not a deploy to verify
        };

        var report = SuccessReport.Compute([], deploys, Config, From, To);

        Assert.Equal(4, report.Verification.Deploys);
        Assert.Equal(2, report.Verification.Passed);
        Assert.Equal(50, report.Verification.Percent);
        Assert.False(report.Verification.Met);
        Assert.Equal(2, report.NeedingPerson.Deploys);
        Assert.Equal([6L, 7L], report.NeedingPerson.DeployIds);
        Assert.False(report.NeedingPerson.Met);
    }
}
