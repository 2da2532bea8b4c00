namespace Ballast.Core.Security;

/// <summary>A person who logs in with a name and password; <see cref="PasswordHash"/> is ASP.NET Core Identity's format.</summary>
public sealed record UserAccount(string Name, Role Role, string PasswordHash, DateTimeOffset CreatedAt);

/// <summary>
/// An API token for a machine. The secret itself is shown once when it is made and never stored: <see cref="Hash"/> is
/// its SHA-256 (<see cref="ApiTokenSecret.Hash"/>).
/// </summary>
public sealed record ApiToken(string Id, string Name, Role Role, string Hash, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>Whether the token authenticates at <paramref name="now"/>: neither revoked nor expired.</summary>
    public bool IsValid(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is not { } ends || ends > now);
}

/// <summary>Users and API tokens, kept in Ballast's storage.</summary>
public interface IIdentityStore
{
    /// <summary>Adds a user; false when the name is taken.</summary>
    Task<bool> AddUserAsync(UserAccount user, CancellationToken cancellationToken = default);

    Task<UserAccount?> FindUserAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UserAccount>> ListUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a user; false when there is none by that name.</summary>
    Task<bool> RemoveUserAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Adds a token; false when its name is taken.</summary>
    Task<bool> AddTokenAsync(ApiToken token, CancellationToken cancellationToken = default);

    /// <summary>The token whose secret hashes to <paramref name="hash"/>, revoked or not.</summary>
    Task<ApiToken?> FindTokenAsync(string hash, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken = default);

    /// <summary>Revokes the token named <paramref name="name"/>; false when there is no unrevoked one.</summary>
    Task<bool> RevokeTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records when a token was last used.</summary>
    Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>What a user or token name may be: it is shown in lists, logs and the records of who acted.</summary>
public static partial class IdentityNames
{
    /// <summary>The longest name a user or token may have.</summary>
    public const int MaxLength = 100;

    /// <summary>
    /// Names the audit trail gives to actors that are not users or tokens (a request with no credential, the CLI on the
    /// server's machine), so no user or token may take them and be mistaken for one.
    /// </summary>
    public static IReadOnlyList<string> Reserved { get; } = [AuditEntry.Anonymous, LocalCredential.IdentityName, AuditEntry.Cli];

    /// <summary>Whether <paramref name="name"/> can name a user or token.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && Valid().IsMatch(name) && !Reserved.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="name"/> cannot name a user or token, or null.</summary>
    public static string? Problem(string? name) => IsValid(name) ? null
        : $"{Quote(name)} is not a valid name: use letters, digits, '.', '_', '-' and '@' (at most {MaxLength}), starting with a letter or digit, "
          + $"and none of {string.Join(", ", Reserved.Select(r => $"\"{r}\""))}";

    // A name that is not valid may be anything a client sent, a megabyte or control characters: only a short, printable
    // start of it is ever repeated back.
    private static string Quote(string? name) => name is null ? "no name"
        : "\"" + new string(name.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (name.Length > 40 ? "…" : "") + "\"";

    // \z, not $: $ also matches before a trailing newline.
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}\z")]
    private static partial System.Text.RegularExpressions.Regex Valid();
}
