using Ballast.Core.Config;

namespace Ballast.Core.Alerting;

/// <summary>
/// A pause on alerts for monitors whose name matches <see cref="Match"/> (a glob), from <see cref="StartsAt"/> to
/// <see cref="EndsAt"/> or until expired. Checks, states and incidents carry on; only messages are held back.
/// </summary>
public sealed record Silence(string Id, string Match, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Reason, string CreatedBy,
    DateTimeOffset? ExpiredAt = null)
{
    public bool IsActive(DateTimeOffset now) => ExpiredAt is null && StartsAt <= now && now < EndsAt;

    public bool Covers(string monitor) => Glob.IsMatch(Match, monitor);
}

/// <summary>Silences, stored so they survive restarts. Implemented on SQLite and PostgreSQL in Ballast.Storage.</summary>
public interface ISilenceStore
{
    Task AddAsync(Silence silence, CancellationToken cancellationToken = default);

    /// <summary>Silences newest first; with <paramref name="activeAt"/>, only those active then.</summary>
    Task<IReadOnlyList<Silence>> ListSilencesAsync(DateTimeOffset? activeAt = null, CancellationToken cancellationToken = default);

    /// <summary>Ends a silence now; false when there is no such unexpired silence.</summary>
    Task<bool> ExpireAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>Maintenance windows as they apply to one monitor now.</summary>
public static class Suppression
{
    /// <summary>The open maintenance window covering the monitor, if any.</summary>
    public static MaintenanceWindowConfig? MaintenanceOf(MonitorConfig monitor, BallastConfig config, DateTimeOffset now) =>
        config.Maintenance.FirstOrDefault(w => w.Covers(monitor) && w.IsOpen(now));
}
