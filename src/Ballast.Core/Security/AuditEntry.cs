namespace Ballast.Core.Security;

/// <summary>
/// One state-changing action, as the audit trail keeps it: who did what to which thing, when, from where, and how it
/// ended. Requests to the server are recorded by the server; deploys and rollbacks the CLI runs itself by the CLI.
/// </summary>
/// <param name="Id">The store's number for it; 0 before it is stored.</param>
/// <param name="At">When the action ended (the answer was sent, the deploy finished).</param>
/// <param name="Who">The name authentication gave (a person, an API token's name, <c>local</c>), the OS user for the
/// CLI, or <see cref="Anonymous"/>.</param>
/// <param name="How">The authentication scheme that named <paramref name="Who"/>, <see cref="Cli"/>, or
/// <see cref="Anonymous"/>.</param>
/// <param name="From">The remote address, or <c>cli@HOST</c> for the CLI.</param>
/// <param name="Action">What was asked: the method and route pattern (<c>POST /api/v1/silences/{id}/expire</c>) or the
/// CLI verb and service (<c>deploy api</c>).</param>
/// <param name="Target">The route values (<c>id=0190…</c>, <c>name=api</c>); null when the route has none.</param>
/// <param name="Outcome">The HTTP status answered (<c>201</c>), or how a deploy ended (<c>Deployed</c>).</param>
/// <param name="Detail">What only the action itself knows (a login's attempted name, a silence's match).</param>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Who, string How, string From, string Action, string? Target, string Outcome,
    string? Detail)
{
    /// <summary><see cref="Who"/> and <see cref="How"/> of a request no authentication named.</summary>
    public const string Anonymous = "anonymous";

    /// <summary><see cref="How"/> of an action the CLI ran itself.</summary>
    public const string Cli = "cli";

    /// <summary>Longest text kept in any field; the rest is cut (<see cref="ShortText"/>).</summary>
    public const int MaxText = 1000;
}

/// <summary>What <see cref="IAuditStore.ListAsync"/> returns: entries at or after <see cref="Since"/>, of one person,
/// whose action starts with <see cref="Action"/>, at most <see cref="Limit"/> (the newest ones), oldest first.</summary>
public sealed record AuditQuery(DateTimeOffset? Since = null, string? Who = null, string? Action = null, int Limit = 500);

/// <summary>The audit trail, stored. Implemented on SQLite and PostgreSQL in Ballast.Storage.</summary>
public interface IAuditStore
{
    /// <summary>Stores the entries in one transaction; their <see cref="AuditEntry.Id"/> is ignored.</summary>
    Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>The entries the query selects, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes entries older than <paramref name="before"/>; returns how many.</summary>
    Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}

/// <summary>
/// Takes audit entries on the request path. Implementations must not block nor throw: an action is never delayed or
/// failed because its record could not be kept.
/// </summary>
public interface IAuditSink
{
    void Record(AuditEntry entry);
}
