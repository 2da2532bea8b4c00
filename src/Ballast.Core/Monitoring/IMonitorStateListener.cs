using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>
/// Told when a monitor's state or open incident changes: its first check, UP to PENDING and back, DOWN, a pause, a
/// recovery; not for a check that leaves both as they were. Called under the monitor's lock, so one monitor's changes
/// arrive in order: an implementation must return at once and never call back into the engine.
/// </summary>
public interface IMonitorStateListener
{
    void OnMonitorChanged(MonitorConfig monitor, MonitorStatus status);
}
