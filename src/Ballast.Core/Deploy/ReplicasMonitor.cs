using Ballast.Core.Conditions;
using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>
/// What a process service's replica failures are alerted as: a monitor named <c>SERVICE-replicas</c> (type
/// <c>replicas</c>, severity critical, tags <c>deploy</c> and the service's name), so alert routes, silences and
/// maintenance windows match it like any monitor. It is not written in ballast.yaml and never scheduled: the
/// process runtime feeds it a failing check when a replica dies and a passing one when every replica runs again,
/// through the same state machine, store and alert planner as any monitor.
/// </summary>
public sealed record ReplicasMonitor : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> None = new HashSet<Placeholder>();

    public static ReplicasMonitor For(string service) => new()
    {
        Name = $"{service}-replicas", Severity = Severity.Critical, Tags = ["deploy", service], FailureThreshold = 1, SuccessThreshold = 1,
    };

    /// <summary>The replicas monitor of every process service in <paramref name="config"/> (for silences and maintenance windows).</summary>
    public static IEnumerable<ReplicasMonitor> All(BallastConfig config) =>
        config.Services.Where(s => s.Value.ProviderConfig is ProcessServiceConfig).Select(s => For(s.Key));

    public override string Type => "replicas";
    public override IReadOnlySet<Placeholder> Placeholders => None;
    public override IReadOnlyList<Condition> DefaultConditions => [];
}
