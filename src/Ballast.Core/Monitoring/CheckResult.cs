namespace Ballast.Core.Monitoring;

/// <summary>One check of one monitor.</summary>
/// <param name="Monitor">Monitor name.</param>
/// <param name="StartedAt">When the check started.</param>
/// <param name="Latency">How long it took (a heartbeat's run duration, when known).</param>
/// <param name="Passed">Whether every condition held.</param>
/// <param name="Cause">The failure sentence when it did not.</param>
/// <param name="Status">HTTP status, when there was one.</param>
public sealed record CheckResult(string Monitor, DateTimeOffset StartedAt, TimeSpan Latency, bool Passed, string? Cause, int? Status = null)
{
    public DateTimeOffset FinishedAt => StartedAt + Latency;
}
