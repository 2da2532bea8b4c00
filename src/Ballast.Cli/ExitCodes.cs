namespace Ballast.Cli;

/// <summary>What <c>ballast</c> returns; scripts and CI branch on these (docs/configuration.md lists them).</summary>
public static class ExitCodes
{
    /// <summary>Done; for <c>probe</c>, every condition passed.</summary>
    public const int Ok = 0;

    /// <summary><c>probe</c>: the check ran and a condition failed (or nothing answered); <c>alert test</c>: the channel refused.</summary>
    public const int CheckFailed = 1;

    /// <summary>The config (or a condition given on the command line) is invalid; nothing was done.</summary>
    public const int ConfigInvalid = 2;

    /// <summary><c>serve</c>: the server could not start (its listen address cannot be bound) or stopped on a failure it could not ride out.</summary>
    public const int ServerFailed = 3;

    /// <summary>What the command names does not exist (no open incident with that id).</summary>
    public const int NotFound = 4;

    /// <summary>The Ballast server named by the config did not answer.</summary>
    public const int Unreachable = 5;

    /// <summary><c>deploy</c>/<c>rollback</c>: stopped before anything changed (preflight, lock, checklist, build, contract).</summary>
    public const int DeployRefused = 6;

    /// <summary><c>deploy</c>: the new release failed after the rollout; the last good release is serving again and passed verification.</summary>
    public const int RolledBack = 7;

    /// <summary><c>deploy</c>/<c>rollback</c>: the release failed and so did the rollback. The service needs a person now.</summary>
    public const int RollbackFailed = 8;

    /// <summary><c>deploy</c> with on_failure: stop: the new release failed after the rollout and was left in place.</summary>
    public const int DeployFailed = 9;

    /// <summary>
    /// <c>deploy</c>/<c>verify</c>/<c>rollback</c>/<c>history</c>: Ballast's storage (server.storage) could not be read or written;
    /// <c>serve</c>: it could not be opened, migrated or read at start.
    /// </summary>
    public const int StorageFailed = 10;

    /// <summary>
    /// Any verb: a second Ctrl+C or SIGTERM came while it was stopping, and it exited at once; <c>serve</c> first
    /// killed (SIGKILL) every replica it had started, and results not yet written to storage are lost.
    /// </summary>
    public const int StopForced = 11;

    /// <summary>
    /// Any verb: after Ctrl+C or SIGTERM it was still stopping when its bound passed (for <c>serve</c>, derived from its
    /// config: see docs/configuration.md; 2 minutes for the others), and it exited; <c>serve</c> first killed its replicas.
    /// </summary>
    public const int StopTimedOut = 12;

    /// <summary>
    /// A verb that calls the server was refused (401 or 403): no credential, a token revoked, expired or of too small
    /// a role, or a credential this CLI would not send (over plain http to another machine).
    /// </summary>
    public const int AccessDenied = 13;

    /// <summary><c>user</c>/<c>token</c>: the name is taken (add, create) or unknown (remove, revoke).</summary>
    public const int NameConflict = 14;

    /// <summary><c>logs scan</c>: a rule fired somewhere in the files scanned (every firing was printed).</summary>
    public const int RuleFired = 15;
}
