using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;

namespace Ballast.Core.Reporting;

/// <summary>
/// The operations plan's success metrics over one period, each next to its goal: what the dashboard's success page,
/// <c>GET /api/v1/report</c> and <c>ballast report</c> show, computed by <see cref="Compute"/> alone.
/// </summary>
/// <param name="From">The period's start (inclusive).</param>
/// <param name="To">The period's end (exclusive): when the report was made.</param>
/// <param name="Days">The period's length in days.</param>
/// <param name="Outages">Incidents that started outside maintenance windows; goal: none.</param>
/// <param name="Verification">Deploys that rolled out and passed verification; goal: all of them.</param>
/// <param name="TimeToDetect">From the first failing check to the incident; goal: under 5 minutes.</param>
/// <param name="TimeToRecover">From the first failing check to recovery; goal: under 10 minutes.</param>
/// <param name="NeedingPerson">Deploys and rollbacks that ended needing a person (exit 8 or 9 of <c>ballast deploy</c>); goal: none.</param>
public sealed record SuccessReport(DateTimeOffset From, DateTimeOffset To, int Days, OutageFigures Outages, VerificationFigures Verification,
    DurationFigures TimeToDetect, DurationFigures TimeToRecover, ManualFigures NeedingPerson)
{
    /// <summary>The plan's goal for detection.</summary>
    public static readonly TimeSpan DetectGoal = TimeSpan.FromMinutes(5);

    /// <summary>The plan's goal for recovery.</summary>
    public static readonly TimeSpan RecoverGoal = TimeSpan.FromMinutes(10);

    /// <summary>The longest period a report covers.</summary>
    public const int MaxDays = 3650;

    /// <summary>Whether every goal is met.</summary>
    public bool AllMet => Outages.Met && Verification.Met && TimeToDetect.Met && TimeToRecover.Met && NeedingPerson.Met;

    /// <summary>
    /// The report for [<paramref name="from"/>, <paramref name="to"/>) from the incidents and deploys that started in it.
    /// An incident counts as an outage unless a maintenance window of <paramref name="config"/> covering its monitor was
    /// open when it started; times to detect and recover are those of the outages (a window's downtime was planned).
    /// An incident still open counts with its time so far, since it has taken at least that long to recover.
    /// </summary>
    public static SuccessReport Compute(IReadOnlyList<Incident> incidents, IReadOnlyList<DeployRecord> deploys, BallastConfig config,
        DateTimeOffset from, DateTimeOffset to)
    {
        var inPeriod = incidents.Where(i => i.StartedAt >= from && i.StartedAt < to).ToArray();
        var outages = inPeriod.Where(i => !InMaintenance(i, config)).OrderBy(i => i.StartedAt).ThenBy(i => i.Id, StringComparer.Ordinal).ToArray();
        var outageFigures = new OutageFigures(inPeriod.Length, inPeriod.Length - outages.Length, outages.Length,
            outages.Select(i => i.Id).ToArray(), outages.Length == 0);

        var ofPeriod = deploys.Where(d => d.StartedAt >= from && d.StartedAt < to).ToArray();
        // Only deploys that reached verification: a refused one changed nothing, a dry run and one in progress have no verdict.
        var verified = ofPeriod.Where(d => d.Kind == "deploy" && d.Outcome is DeployOutcome.Deployed or DeployOutcome.RolledBack
            or DeployOutcome.RollbackFailed or DeployOutcome.Failed).ToArray();
        var passed = verified.Count(d => d.Outcome == DeployOutcome.Deployed);
        var verification = new VerificationFigures(verified.Length, passed,
            verified.Length == 0 ? null : Math.Round(100.0 * passed / verified.Length, 1), passed == verified.Length);

        var manual = ofPeriod.Where(d => d.Outcome is DeployOutcome.RollbackFailed or DeployOutcome.Failed).OrderBy(d => d.Id).ToArray();
        var manualFigures = new ManualFigures(manual.Length, manual.Select(d => d.Id).ToArray(), manual.Length == 0);

        var detect = Durations(outages.Select(i => (i.Id, i.TimeToDetect)).ToArray(), DetectGoal, open: 0);
        var recover = Durations(outages.Select(i => (i.Id, i.TimeToRecover ?? (to - i.StartedAt))).ToArray(), RecoverGoal,
            open: outages.Count(i => i.IsOpen));
        return new SuccessReport(from, to, (int)Math.Round((to - from).TotalDays), outageFigures, verification, detect, recover, manualFigures);
    }

    /// <summary>The report for the <paramref name="days"/> days up to now, read from the stores.</summary>
    public static async Task<SuccessReport> ReadAsync(IMonitoringStore incidents, IDeployStore deploys, BallastConfig config, TimeProvider time, int days,
        CancellationToken cancellationToken)
    {
        if (days is < 1 or > MaxDays) throw new ArgumentOutOfRangeException(nameof(days), days, $"days must be from 1 to {MaxDays}");
        var to = time.GetUtcNow();
        var from = to - TimeSpan.FromDays(days);
        return Compute(await incidents.IncidentsStartedAsync(from, to, cancellationToken), await deploys.StartedBetweenAsync(from, to, cancellationToken),
            config, from, to);
    }

    /// <summary>Whether a maintenance window covering the incident's monitor was open when it started.</summary>
    public static bool InMaintenance(Incident incident, BallastConfig config)
    {
        var monitor = config.Monitors.FirstOrDefault(m => m.Name == incident.Monitor);
        // A monitor no longer configured (or one Ballast makes, such as SERVICE-replicas) is matched by name only.
        return config.Maintenance.Any(w => (monitor is null ? w.Monitors.Any(g => Glob.IsMatch(g, incident.Monitor)) : w.Covers(monitor))
                                           && w.IsOpen(incident.StartedAt));
    }

    private static DurationFigures Durations(IReadOnlyList<(string Id, TimeSpan Span)> spans, TimeSpan goal, int open)
    {
        if (spans.Count == 0) return new DurationFigures(0, open, null, null, null, goal.TotalSeconds, true);
        var sorted = spans.Select(s => s.Span.TotalSeconds).Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        // The first of equals, so the same data always names the same incident.
        var worst = spans.OrderByDescending(s => s.Span).First();
        return new DurationFigures(spans.Count, open, Math.Round(median, 3), Math.Round(worst.Span.TotalSeconds, 3), worst.Id, goal.TotalSeconds,
            worst.Span < goal);
    }
}

/// <summary>Incidents in the period: all, those in maintenance windows, and the outages (the rest), oldest first.</summary>
public sealed record OutageFigures(int Incidents, int InMaintenance, int Unexpected, IReadOnlyList<string> OutageIds, bool Met);

/// <summary>Deploys that reached verification, how many passed, the share in percent (null without any), and whether all did.</summary>
public sealed record VerificationFigures(int Deploys, int Passed, double? Percent, bool Met);

/// <summary>
/// A duration over the outages: median and worst in seconds (null without outages), the worst one's incident, how many
/// were still open (counted with their time so far), the goal in seconds, and whether the worst is under it.
/// </summary>
public sealed record DurationFigures(int Incidents, int StillOpen, double? MedianSeconds, double? WorstSeconds, string? WorstIncident, double GoalSeconds,
    bool Met);

/// <summary>Deploys and rollbacks that ended <c>RollbackFailed</c> (exit 8) or <c>Failed</c> (exit 9), by id.</summary>
public sealed record ManualFigures(int Deploys, IReadOnlyList<long> DeployIds, bool Met);

/// <summary>The report as <c>GET /api/v1/report</c> and <c>ballast report --json</c> write it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SuccessReport))]
public sealed partial class ReportJson : JsonSerializerContext;
