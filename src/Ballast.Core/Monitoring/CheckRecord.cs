namespace Ballast.Core.Monitoring;

/// <summary>
/// What the engine hands to storage for each check: the result, the status after it, and the incident it opened or
/// resolved. <see cref="StatusChanged"/> is false when the status differs only in what the next check will refresh
/// (last check time and latency of a steady monitor), so a store can skip rewriting it.
/// </summary>
public sealed record CheckRecord(CheckResult Result, MonitorStatus Status, Incident? Incident, bool StatusChanged = true);
