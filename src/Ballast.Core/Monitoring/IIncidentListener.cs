using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>
/// Told when a check opens or resolves an incident, with the monitor and its status after the check. Called on the
/// probe path: an implementation must return at once (hand the work to a queue).
/// </summary>
public interface IIncidentListener
{
    void OnIncidentChanged(Incident incident, MonitorConfig monitor, MonitorStatus status);
}
