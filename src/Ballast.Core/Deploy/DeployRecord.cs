namespace Ballast.Core.Deploy;

public enum StepOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One step of a deploy as it happened: shown live, stored in the history.</summary>
public sealed record DeployStep(string Name, StepOutcome Outcome, DateTimeOffset StartedAt, TimeSpan Duration, string? Detail);

/// <summary>How a deploy (or a rollback) ended; each has its own exit code (docs/deploy.md).</summary>
public enum DeployOutcome
{
    InProgress,

    /// <summary>The release is live and passed verification.</summary>
    Deployed,

    /// <summary>Stopped before anything changed (preflight, lock, checklist, build, contract).</summary>
    Refused,

    /// <summary>The release failed after the rollout and the last good release is serving again, verified.</summary>
    RolledBack,

    /// <summary>The release failed and so did the rollback: the service needs a person.</summary>
    RollbackFailed,

    /// <summary>The release failed after the rollout and on_failure is stop: it was left in place.</summary>
    Failed,

    /// <summary>--dry-run: nothing was changed.</summary>
    DryRun,
}

/// <summary>One deploy or rollback of one service, with every step.</summary>
public sealed record DeployRecord
{
    public long Id { get; init; }
    public required string Service { get; init; }

    /// <summary>"deploy" or "rollback".</summary>
    public string Kind { get; init; } = "deploy";

    /// <summary>The release (process) or image reference (lightsail) deployed.</summary>
    public string? Release { get; init; }

    /// <summary>
    /// The commit <see cref="Release"/> was built from, when its build knew it: delivered as <c>BALLAST_COMMIT</c>
    /// again whenever the release is started later (a restart of <c>ballast serve</c>, a rollback to it).
    /// </summary>
    public string? Commit { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required string Who { get; init; }
    public DeployOutcome Outcome { get; init; } = DeployOutcome.InProgress;

    /// <summary>For a rollback: the id of the deploy whose release it took down.</summary>
    public long? RollbackOf { get; init; }

    /// <summary>For a deploy that was rolled back: the release serving again.</summary>
    public string? RolledBackTo { get; init; }

    /// <summary>The names (never the values) of the variables the release was deployed with.</summary>
    public IReadOnlyList<string> EnvNames { get; init; } = [];

    public IReadOnlyList<DeployStep> Steps { get; init; } = [];
}

/// <summary>Who holds a service's deploy lock, and when its holder last renewed it (when it took it, until its first renewal).</summary>
public sealed record DeployLock(string Service, string Holder, DateTimeOffset Since);

/// <summary>A spec file as it was before a deploy rewrote it, kept with the deploy.</summary>
public sealed record StoredBackup(long Id, long DeployId, string Service, string File, DateTimeOffset CreatedAt, string Content);

/// <summary>Deploy history, spec-file backups and locks, in Ballast's storage.</summary>
public interface IDeployStore
{
    /// <summary>Takes the service's lock for <paramref name="holder"/>; returns the lock someone else holds instead, or null when taken.</summary>
    Task<DeployLock?> TryLockAsync(string service, string holder, DateTimeOffset now, CancellationToken cancellationToken);

    Task UnlockAsync(string service, string holder, CancellationToken cancellationToken);

    /// <summary>Marks <paramref name="holder"/>'s lock as renewed at <paramref name="now"/>; false when it no longer holds it.</summary>
    Task<bool> RenewLockAsync(string service, string holder, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Breaks the lock whoever holds it (<c>--force-unlock</c>).</summary>
    Task ForceUnlockAsync(string service, CancellationToken cancellationToken);

    /// <summary>Stores a new record; returns its id.</summary>
    Task<long> AddAsync(DeployRecord record, CancellationToken cancellationToken);

    Task UpdateAsync(DeployRecord record, CancellationToken cancellationToken);

    /// <summary>The newest first.</summary>
    Task<IReadOnlyList<DeployRecord>> HistoryAsync(string service, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The commit <paramref name="release"/> was built from, as the newest record of it that knows one says, however old
    /// that record is; null when none does. A release is built once, so any record naming it (its build, a later
    /// <c>--image</c> deploy, a rollback to it) holds its commit.
    /// </summary>
    Task<string?> CommitOfAsync(string service, string release, CancellationToken cancellationToken);

    /// <summary>
    /// The newest record of <paramref name="service"/> whose release went live and passed verification (outcome
    /// <see cref="DeployOutcome.Deployed"/>), however old: the live release when <paramref name="release"/> and
    /// <paramref name="otherThan"/> are null; the newest such record of one release with <paramref name="release"/>; the
    /// newest of any other release (a rollback's target) with <paramref name="otherThan"/>.
    /// </summary>
    Task<DeployRecord?> LastDeployedAsync(string service, string? release, string? otherThan, CancellationToken cancellationToken);

    Task AddBackupAsync(long deployId, string service, SpecBackup backup, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The newest first.</summary>
    Task<IReadOnlyList<StoredBackup>> BackupsAsync(string service, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Every service's deploys and rollbacks that started in [<paramref name="from"/>, <paramref name="to"/>), oldest
    /// first: what the success report counts.
    /// </summary>
    Task<IReadOnlyList<DeployRecord>> StartedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>Services with deploy records, configured or not.</summary>
    Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the newest <paramref name="keepRecords"/> records of <paramref name="service"/> and, whatever their age,
    /// the newest verified record of each of its last <paramref name="keepReleases"/> verified releases (the live one
    /// and those a rollback can return to), and the newest record with a commit of each release kept (so it starts
    /// again with its commit); deletes the other records and their stored backups. Returns how many records went.
    /// </summary>
    Task<long> PruneAsync(string service, int keepRecords, int keepReleases, CancellationToken cancellationToken);

    /// <summary>How many records the history keeps, by service, kind and outcome (retention keeps a count per service).</summary>
    Task<IReadOnlyList<DeployCount>> CountAsync(CancellationToken cancellationToken);
}

/// <summary>How many deploys (or rollbacks: <see cref="Kind"/>) of one service ended one way.</summary>
public sealed record DeployCount(string Service, string Kind, DeployOutcome Outcome, long Count);
