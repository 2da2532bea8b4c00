using System.Collections.Concurrent;
using System.Data.Common;
using System.Net.Sockets;
using Ballast.Core.Security;

namespace Ballast.Server.Security;

/// <summary>
/// Tokens and users as storage had them a moment ago, so thousands of requests a second do not each read the
/// database. A revoked token or removed user is refused within <see cref="Lifetime"/>, the price of that. While storage
/// cannot be read, a credential looked up within <see cref="OutageGrace"/> keeps its last answer (revoked stays
/// revoked); one with no answer that recent is refused with <see cref="IdentityStorageUnavailableException"/> (503).
/// </summary>
public sealed class IdentityCache(IIdentityStore store, TimeProvider time)
{
    /// <summary>How long an answer of storage is used: the most a revocation or removal waits to take effect.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long, while storage cannot be read, an answer it gave before is still used: a database restart does not
    /// lock out the machines and people who were working, and a credential not seen for longer is not trusted blind.
    /// </summary>
    public static readonly TimeSpan OutageGrace = TimeSpan.FromMinutes(10);

    /// <summary>How often a token's last-used time is written at most.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    // Found tokens and users only grow with what an admin made, so their bound is generous.
    private const int MaxKnown = 10_000;

    // Unknown hashes and names are cached too (as null), so a flood of made-up tokens costs no more reads than real
    // ones; they are kept apart, with a small bound of their own, so that flood can never push out a known credential.
    private const int MaxUnknown = 1_000;

    private readonly Answers<ApiToken> _tokens = new();
    private readonly Answers<UserAccount> _users = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    /// <summary>The token whose secret hashes to <paramref name="hash"/>, valid or not; null when there is none.</summary>
    /// <exception cref="IdentityStorageUnavailableException">Storage cannot be read and the token has no recent answer.</exception>
    public ValueTask<ApiToken?> TokenAsync(string hash, CancellationToken cancellationToken) =>
        LookUpAsync(_tokens, hash, static (store, hash, ct) => store.FindTokenAsync(hash, ct), cancellationToken);

    /// <summary>
    /// The token whose secret hashes to <paramref name="hash"/> when storage answered for it within <see cref="Lifetime"/>
    /// (null: there is none), without reading storage or allocating: nearly every API request ends here.
    /// </summary>
    public bool TryFreshToken(ReadOnlySpan<char> hash, out ApiToken? token)
    {
        token = null;
        if (_tokens.Find(hash) is not { } fresh || time.GetUtcNow() - fresh.Read >= Lifetime) return false;
        token = fresh.Value;
        return true;
    }

    /// <summary>The user named <paramref name="name"/>; null when there is none.</summary>
    /// <exception cref="IdentityStorageUnavailableException">Storage cannot be read and the user has no recent answer.</exception>
    public ValueTask<UserAccount?> UserAsync(string name, CancellationToken cancellationToken) =>
        LookUpAsync(_users, name, static (store, name, ct) => store.FindUserAsync(name, ct), cancellationToken);

    /// <summary>Whether the token's last use should be written now: at most once per <see cref="TouchInterval"/>.</summary>
    public bool ShouldTouch(ApiToken token, DateTimeOffset now)
    {
        var last = _touched.TryGetValue(token.Id, out var at) ? at : token.LastUsedAt ?? DateTimeOffset.MinValue;
        if (now - last < TouchInterval) return false;
        _touched[token.Id] = now;
        return true;
    }

    /// <summary>Whether <paramref name="e"/> says storage could not be reached or read, rather than a bug.</summary>
    public static bool IsStorageFailure(Exception e) => e is DbException or IOException or SocketException or TimeoutException
        || (e.InnerException is { } inner && IsStorageFailure(inner));

    // Every API request comes here: a fresh answer returns without an await, a state machine or a Task.
    private ValueTask<T?> LookUpAsync<T>(Answers<T> answers, string key, Func<IIdentityStore, string, CancellationToken, Task<T?>> read,
        CancellationToken cancellationToken) where T : class
    {
        var now = time.GetUtcNow();
        var cached = answers.Find(key);
        return cached is { } fresh && now - fresh.Read < Lifetime
            ? ValueTask.FromResult(fresh.Value)
            : new ValueTask<T?>(ReadAsync(answers, key, cached, now, read, cancellationToken));
    }

    private async Task<T?> ReadAsync<T>(Answers<T> answers, string key, (T? Value, DateTimeOffset Read)? cached, DateTimeOffset now,
        Func<IIdentityStore, string, CancellationToken, Task<T?>> read, CancellationToken cancellationToken) where T : class
    {
        T? value;
        try
        {
            value = await read(store, key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && IsStorageFailure(e))
        {
            if (cached is { } last && now - last.Read < OutageGrace) return last.Value;
            throw new IdentityStorageUnavailableException(e);
        }
        answers.Keep(key, value, now);
        return value;
    }

    private sealed class Answers<T> where T : class
    {
        private readonly ConcurrentDictionary<string, (T Value, DateTimeOffset Read)> _known;
        private readonly ConcurrentDictionary<string, DateTimeOffset> _unknown;
        private readonly ConcurrentDictionary<string, (T Value, DateTimeOffset Read)>.AlternateLookup<ReadOnlySpan<char>> _knownBySpan;
        private readonly ConcurrentDictionary<string, DateTimeOffset>.AlternateLookup<ReadOnlySpan<char>> _unknownBySpan;

        public Answers()
        {
            _known = new(StringComparer.Ordinal);
            _unknown = new(StringComparer.Ordinal);
            _knownBySpan = _known.GetAlternateLookup<ReadOnlySpan<char>>();
            _unknownBySpan = _unknown.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public (T? Value, DateTimeOffset Read)? Find(ReadOnlySpan<char> key) =>
            _knownBySpan.TryGetValue(key, out var known) ? known : _unknownBySpan.TryGetValue(key, out var read) ? (null, read) : null;

        public void Keep(string key, T? value, DateTimeOffset read)
        {
            if (value is null)
            {
                _known.TryRemove(key, out _);
                if (_unknown.Count >= MaxUnknown) _unknown.Clear();
                _unknown[key] = read;
                return;
            }
            _unknown.TryRemove(key, out _);
            if (_known.Count >= MaxKnown && !_known.ContainsKey(key)) _known.Clear();
            _known[key] = (value, read);
        }
    }
}

/// <summary>Storage cannot be read and a credential has no answer recent enough to go on: the request gets 503.</summary>
public sealed class IdentityStorageUnavailableException(Exception inner)
    : Exception("storage unavailable, cannot check the credential: " + inner.Message, inner);

/// <summary>Turns <see cref="IdentityStorageUnavailableException"/> from authentication into a 503 with a sentence.</summary>
public static class IdentityStorageGuard
{
    /// <summary>Call before <c>UseAuthentication</c>.</summary>
    public static IApplicationBuilder UseIdentityStorageGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (IdentityStorageUnavailableException) when (!context.Response.HasStarted)
        {
            // Not 401: the credential may well be right, and a client should retry rather than think it was refused.
            context.Response.Headers.RetryAfter = "5";
            await Results.Problem($"{context.Request.Method} {context.Request.Path}: storage unavailable, cannot check the credential; try again shortly",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "storage unavailable").ExecuteAsync(context);
        }
    });
}
