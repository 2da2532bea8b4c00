using Ballast.Core.Conditions;
using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>
/// What a process service's replica failures are alerted as: a monitor named <c>SERVICE-replicas</c> (type
/// <c>replicas</c>, severity critical, tags <c>deploy</c> and the service's name), so alert routes, silences and
/// maintenance windows match it like any monitor. It is not written in ballast.yaml and never scheduled: the
/// process runtime opens its incident when a replica dies and resolves it when the replacement is ready.
/// </summary>
public sealed record ReplicasMonitor : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> None = new HashSet<Placeholder>();

    public static ReplicasMonitor For(string service) => new() { Name = $"{service}-replicas", Severity = Severity.Critical, Tags = ["deploy", service] };

    public override string Type => "replicas";
    public override IReadOnlySet<Placeholder> Placeholders => None;
    public override IReadOnlyList<Condition> DefaultConditions => [];
}
