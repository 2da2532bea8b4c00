using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Ballast.Core.Diagnostics;
using Ballast.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ballast.Server.Security;

/// <summary>The identities Ballast's handlers make: a name and one role claim per role included.</summary>
public static class BallastIdentity
{
    public static ClaimsPrincipal Principal(string name, Role role, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, name), new(ClaimTypes.Name, name) };
        claims.AddRange(role.Included().Select(r => new Claim(ClaimTypes.Role, r.Name())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The highest role of <paramref name="user"/>.</summary>
    public static Role? RoleOf(ClaimsPrincipal user) => Roles.All.Where(r => user.IsInRole(r.Name())).Cast<Role?>().LastOrDefault();
}

/// <summary><c>Authorization: Bearer blt_…</c>: an API token, looked up by its SHA-256 through <see cref="IdentityCache"/>.</summary>
internal sealed partial class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IdentityCache cache, IIdentityStore store, TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    private static readonly Task<AuthenticateResult> NoToken = Task.FromResult(AuthenticateResult.NoResult());

    // One identity per answer of storage, built on first use and dropped with the answer: a token's requests share it
    // (nothing in the pipeline changes a principal), so the common request builds none.
    private static readonly ConditionalWeakTable<ApiToken, ClaimsPrincipal> Principals = new();
    private static readonly ConditionalWeakTable<ApiToken, ClaimsPrincipal>.CreateValueCallback NewPrincipal =
        token => BallastIdentity.Principal(token.Name, token.Role, SchemeName);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (BasicToken.TryGetPassword(header, out var password)) header = $"{SchemeName} {password}";
        if (!AuthorizationHeader.TryGetCredential(header, SchemeName, out var credential)) return NoToken;
        Span<char> hash = stackalloc char[ApiTokenSecret.HashLength];
        ApiTokenSecret.Hash(header.AsSpan(credential), hash);
        // Nearly every request: a token storage answered for within the cache's lifetime, judged without an await.
        return cache.TryFreshToken(hash, out var token) ? JudgeAsync(token, hash) : LookUpAsync(new string(hash));
    }

    private async Task<AuthenticateResult> LookUpAsync(string hash) => await JudgeAsync(await cache.TokenAsync(hash, Context.RequestAborted), hash);

    private Task<AuthenticateResult> JudgeAsync(ApiToken? token, ReadOnlySpan<char> hash)
    {
        // The lookup is by hash, so a match is already equal; comparing again in constant time keeps it so whatever the store does.
        if (token is null || !ApiTokenSecret.HashesEqual(token.Hash, hash)) return Task.FromResult(AuthenticateResult.Fail("the API token is not known"));
        var now = time.GetUtcNow();
        if (token.RevokedAt is not null) return Task.FromResult(AuthenticateResult.Fail($"the API token \"{token.Name}\" was revoked"));
        if (!token.IsValid(now))
            return Task.FromResult(AuthenticateResult.Fail($"the API token \"{token.Name}\" expired at {token.ExpiresAt:yyyy-MM-dd HH:mm} UTC"));
        var success = AuthenticateResult.Success(new AuthenticationTicket(Principals.GetValue(token, NewPrincipal), SchemeName));
        return cache.ShouldTouch(token, now) ? TouchAsync(token, now, success) : Task.FromResult(success);
    }

    private async Task<AuthenticateResult> TouchAsync(ApiToken token, DateTimeOffset now, AuthenticateResult success)
    {
        try
        {
            await store.TouchTokenAsync(token.Id, now, Context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Last-used is for the admin's list; storage being away must not lock machines out.
            LogTouchFailed(Logger, token.Name, e.Message);
        }
        return success;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message ?? "no API token was sent";
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem($"{Request.Method} {Request.Path} refused: {failure}", statusCode: StatusCodes.Status401Unauthorized,
            title: "not authenticated").ExecuteAsync(Context);
    }

    [LoggerMessage(EventId = LogEvents.Security.TokenTouchFailed, Level = LogLevel.Warning, Message = "could not record the use of API token {Token}: {Error}")]
    private static partial void LogTouchFailed(ILogger logger, string token, string error);
}

/// <summary><c>Authorization: Local SECRET</c>: the CLI on the server's own machine, accepted only from loopback.</summary>
internal sealed class LocalCredentialHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    LocalSecret secret) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthorizationHeader.TryGet(Request, LocalCredential.Scheme, out var presented)) return Task.FromResult(AuthenticateResult.NoResult());
        if (Context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
            return Task.FromResult(AuthenticateResult.Fail("the local credential is accepted only from this machine (loopback)"));
        if (!secret.Matches(presented)) return Task.FromResult(AuthenticateResult.Fail("the local credential is not this server's (it was restarted?)"));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
            BallastIdentity.Principal(LocalCredential.IdentityName, Role.Admin, LocalCredential.Scheme), LocalCredential.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message ?? "no credential was sent";
        await Results.Problem($"{Request.Method} {Request.Path} refused: {failure}", statusCode: StatusCodes.Status401Unauthorized,
            title: "not authenticated").ExecuteAsync(Context);
    }
}

/// <summary>
/// A request with no credential at all, on a server with <c>server.anonymous_read</c>: a viewer named
/// <see cref="AuditEntry.Anonymous"/>, so the audit trail and <c>GET /api/v1/session</c> say who it was.
/// </summary>
internal sealed class AnonymousReadHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Anonymous";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.Success(
        new AuthenticationTicket(BallastIdentity.Principal(AuditEntry.Anonymous, Role.Viewer, SchemeName), SchemeName)));
}

internal static class AuthorizationHeader
{
    /// <summary>The credential of an <c>Authorization: SCHEME credential</c> header.</summary>
    public static bool TryGet(HttpRequest request, string scheme, out string credential)
    {
        var header = request.Headers.Authorization.ToString();
        credential = TryGetCredential(header, scheme, out var range) ? header[range] : "";
        return credential.Length > 0;
    }

    /// <summary>Where in <paramref name="header"/> (<c>SCHEME credential</c>) the credential is, without copying it.</summary>
    public static bool TryGetCredential(string header, string scheme, out Range credential)
    {
        credential = default;
        if (!Names(header, scheme)) return false;
        var start = scheme.Length + 1;
        var end = header.Length;
        while (start < end && char.IsWhiteSpace(header[start])) start++;
        while (end > start && char.IsWhiteSpace(header[end - 1])) end--;
        credential = start..end;
        return end > start;
    }

    /// <summary>Whether the request's <c>Authorization</c> header names <paramref name="scheme"/>.</summary>
    public static bool Names(HttpRequest request, string scheme) => Names(request.Headers.Authorization.ToString(), scheme);

    private static bool Names(string header, string scheme) =>
        header.Length > scheme.Length && header[scheme.Length] == ' ' && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the request has an <c>Authorization</c> header at all.</summary>
    public static bool Any(HttpRequest request) => request.Headers.Authorization.Count > 0;
}
