namespace Ballast.Core.Monitoring;

/// <summary>
/// A stretch of downtime. <see cref="StartedAt"/> is the first failing check of the run that reached the threshold,
/// <see cref="DetectedAt"/> when the threshold was reached, <see cref="ResolvedAt"/> when it recovered.
/// </summary>
/// <param name="AcknowledgedAt">When someone took it (<c>ballast ack</c>); reminders stop.</param>
/// <param name="AcknowledgedBy">Who took it.</param>
public sealed record Incident(string Id, string Monitor, DateTimeOffset StartedAt, DateTimeOffset DetectedAt, DateTimeOffset? ResolvedAt, string Cause,
    DateTimeOffset? AcknowledgedAt = null, string? AcknowledgedBy = null)
{
    public TimeSpan TimeToDetect => DetectedAt - StartedAt;
    public TimeSpan? TimeToRecover => ResolvedAt - StartedAt;
    public bool IsOpen => ResolvedAt is null;
}
