using Ballast.Core.Supervision;
using Ballast.Server.Monitoring;
using Ballast.Storage;
using Ballast.Storage.Monitoring;

namespace Ballast.Server.Hosting;

/// <summary>
/// Ballast's own health at one moment: what <c>/health/ready</c> answers and the <c>/system</c> page shows, gathered
/// in one place so the two never disagree.
/// </summary>
/// <param name="At">When it was gathered.</param>
/// <param name="Ready">Storage migrated and every monitor scheduled.</param>
/// <param name="Storage">The monitoring writer: pending writes, and whether and since when writes fail.</param>
/// <param name="StorageWhere">The database's dialect and where it is (never a password).</param>
/// <param name="LoopRestarts">Background loops restarted since the server started.</param>
/// <param name="FailingLoops">Loops that failed and have not run long enough since their restart to count as healthy.</param>
public sealed record BallastHealth(
    DateTimeOffset At, bool Ready, WriterStatus Storage, string StorageWhere, long LoopRestarts, IReadOnlyList<LoopFault> FailingLoops)
{
    private const int MaxLoopsNamed = 20;

    /// <summary>Ballast keeps monitoring while storage fails, but what it sees is not being kept: that fails readiness.</summary>
    public bool StorageOk => Storage.FailingSince is null;

    /// <summary>How long storage writes have been failing, when they are.</summary>
    public TimeSpan? StorageFailingFor => Storage.FailingSince is { } since ? (At - since) < TimeSpan.Zero ? TimeSpan.Zero : At - since : null;

    /// <summary>pass, warn (a loop failed and is restarted: Ballast still serves) or fail (not ready, or storage failing).</summary>
    public string Status => !(Ready && StorageOk) ? "fail" : FailingLoops.Count > 0 ? "warn" : "pass";

    /// <summary>Reads the facts from the services that hold them.</summary>
    public static BallastHealth Gather(IServiceProvider services)
    {
        var loops = services.GetRequiredService<LoopSupervisor>();
        return new BallastHealth(services.GetRequiredService<TimeProvider>().GetUtcNow(), services.GetRequiredService<MonitoringService>().IsReady,
            services.GetRequiredService<MonitoringWriter>().Status, services.GetRequiredService<SqlDialect>().Describe(), loops.TotalFaults, loops.Degraded());
    }

    /// <summary>
    /// The application/health+json body. Only a <paramref name="detailed"/> answer (to a signed-in caller) says why
    /// (where the database is, the errors of failing loops), which a stranger could use.
    /// </summary>
    public HealthView ToView(bool detailed)
    {
        var output = detailed && StorageFailingFor is { } failing
            ? $"failing for {(long)failing.TotalSeconds}s: {Storage.Failure} ({StorageWhere}); {Storage.Pending} writes waiting"
            : null;
        var loopsStatus = FailingLoops.Count == 0 ? "pass" : "warn";
        var checks = new Dictionary<string, IReadOnlyList<HealthCheckView>>
        {
            ["monitoring:started"] = [new(Ready ? "pass" : "fail", Ready)],
            ["storage:writes"] = [new(StorageOk ? "pass" : "fail", Storage.Pending, output)],
            ["loops:restarts"] = [new(loopsStatus, LoopRestarts)],
            ["loops:failing"] = [new(loopsStatus, FailingLoops.Count)],
        };
        // A bug that fails every monitor's loop is named by its first few, not ten thousand entries.
        foreach (var fault in FailingLoops.Take(detailed ? MaxLoopsNamed : 0))
            checks[fault.Loop + ":running"] = [new("warn", fault.Faults, fault.LastError, fault.LastFaultAt, fault.RestartAt)];
        return new HealthView(Status, checks);
    }
}
