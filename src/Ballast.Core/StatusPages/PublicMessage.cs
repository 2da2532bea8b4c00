using System.Security.Cryptography;

namespace Ballast.Core.StatusPages;

/// <summary>Where a public incident message stands, in the words status pages use.</summary>
public enum PublicMessageState
{
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

/// <summary>One post on a public message: its state from then on and what the public is told.</summary>
/// <param name="Id">Opaque; nothing about the incident can be read from it.</param>
/// <param name="By">Who wrote it; kept for the team, never shown on the public page.</param>
public sealed record PublicUpdate(string Id, DateTimeOffset At, PublicMessageState State, string Body, string By);

/// <summary>
/// What a responder tells the public about an incident on one status page, with its updates (newest first). Plain text
/// only: the page escapes it, and it was cleaned of control characters and bounded before it was stored.
/// </summary>
/// <param name="Id">Opaque (random); the only id the public sees.</param>
/// <param name="Page">The status page's slug.</param>
/// <param name="IncidentId">The internal incident it is about, if any; never shown publicly.</param>
public sealed record PublicMessage(string Id, string Page, string Title, string? IncidentId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? ResolvedAt, PublicMessageState State, IReadOnlyList<PublicUpdate> Updates)
{
    /// <summary>Longest title kept, in characters.</summary>
    public const int MaxTitle = 200;

    /// <summary>Longest body of one update kept, in characters.</summary>
    public const int MaxBody = 4000;

    /// <summary>An id that says nothing: 96 random bits in hex.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}

/// <summary>The public messages of status pages (SQLite and PostgreSQL in Ballast.Storage, schema version 12).</summary>
public interface IStatusMessageStore
{
    /// <summary>Stores a new message with its first update.</summary>
    Task AddAsync(PublicMessage message, CancellationToken cancellationToken = default);

    /// <summary>Adds an update to a message of <paramref name="page"/>; its state becomes the message's. False when there is no such message.</summary>
    Task<bool> AddUpdateAsync(string page, string messageId, PublicUpdate update, CancellationToken cancellationToken = default);

    /// <summary>
    /// The messages of <paramref name="page"/>, newest first, each with its updates newest first: open ones, and
    /// resolved ones resolved at or after <paramref name="resolvedSince"/> (all when null); at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<PublicMessage>> ListAsync(string page, DateTimeOffset? resolvedSince, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Deletes messages resolved before <paramref name="resolvedBefore"/> with their updates; returns how many messages.</summary>
    Task<long> PruneAsync(DateTimeOffset resolvedBefore, CancellationToken cancellationToken = default);
}
