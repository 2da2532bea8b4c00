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
    /// <summary>Why <paramref name="name"/> cannot name a user or token, or null.</summary>
    public static string? Problem(string? name) =>
        name is not null && Valid().IsMatch(name) && name != LocalCredential.IdentityName ? null
            : $"\"{name}\" is not a valid name: use letters, digits, '.', '_', '-' and '@' (at most 100), starting with a letter or digit, and not \"{LocalCredential.IdentityName}\"";

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")]
    private static partial System.Text.RegularExpressions.Regex Valid();
}
