using Ballast.Core.Config;

namespace Ballast.Core.Alerting;

/// <summary>
/// Chooses the channels for a monitor: its own <c>channels</c> when set, else the routes in order, the first match
/// deciding unless it says <c>continue</c>. The group key says which messages may be merged: incidents of one route.
/// </summary>
public static class AlertRouter
{
    public sealed record Target(string Channel, string GroupKey);

    public static IReadOnlyList<Target> Route(MonitorConfig monitor, AlertingConfig alerting)
    {
        if (monitor.Channels is { } own) return own.Select(c => new Target(c, $"monitor:{monitor.Name}")).ToArray();
        var targets = new List<Target>();
        for (var i = 0; i < alerting.Routes.Count; i++)
        {
            var route = alerting.Routes[i];
            if (route.Match is not null && !route.Match.Matches(monitor)) continue;
            targets.AddRange(route.Channels.Where(c => targets.All(t => t.Channel != c)).Select(c => new Target(c, $"route:{i}")));
            if (!route.Continue) break;
        }
        return targets;
    }
}
