using System.Collections.Concurrent;
using Ballast.Core.Security;

namespace Ballast.Server.Security;

/// <summary>
/// Tokens and users as storage had them a moment ago, so thousands of requests a second do not each read the
/// database. A revoked token or removed user is refused within <see cref="Lifetime"/>, the price of that.
/// </summary>
public sealed class IdentityCache(IIdentityStore store, TimeProvider time)
{
    /// <summary>How long an answer of storage is used: the most a revocation or removal waits to take effect.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>How often a token's last-used time is written at most.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    // Unknown hashes are cached too (as null), so a flood of made-up tokens costs no more reads than real ones; the
    // bound keeps that flood from growing the cache without end.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (ApiToken? Token, DateTimeOffset Read)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (UserAccount? User, DateTimeOffset Read)> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    /// <summary>The token whose secret hashes to <paramref name="hash"/>, valid or not; null when there is none.</summary>
    public async Task<ApiToken?> TokenAsync(string hash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(hash, out var cached) && now - cached.Read < Lifetime) return cached.Token;
        var token = await store.FindTokenAsync(hash, cancellationToken);
        if (_tokens.Count >= MaxEntries) _tokens.Clear();
        _tokens[hash] = (token, now);
        return token;
    }

    public async Task<UserAccount?> UserAsync(string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_users.TryGetValue(name, out var cached) && now - cached.Read < Lifetime) return cached.User;
        var user = await store.FindUserAsync(name, cancellationToken);
        if (_users.Count >= MaxEntries) _users.Clear();
        _users[name] = (user, now);
        return user;
    }

    /// <summary>Whether the token's last use should be written now: at most once per <see cref="TouchInterval"/>.</summary>
    public bool ShouldTouch(ApiToken token, DateTimeOffset now)
    {
        var last = _touched.TryGetValue(token.Id, out var at) ? at : token.LastUsedAt ?? DateTimeOffset.MinValue;
        if (now - last < TouchInterval) return false;
        _touched[token.Id] = now;
        return true;
    }
}
