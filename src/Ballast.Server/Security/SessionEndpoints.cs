using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Diagnostics;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace Ballast.Server.Security;

/// <summary>Body of <c>POST /api/v1/session</c>.</summary>
public sealed record LoginRequest(string? Name, string? Password);

/// <summary>
/// Who the caller is (<c>GET /api/v1/session</c>, and the answer to a login): name, role, how it authenticated, and
/// for a cookie session the antiforgery token its state-changing requests must send in <c>X-CSRF-TOKEN</c>.
/// </summary>
public sealed record SessionView(string Name, string Role, string Scheme, string? AntiforgeryToken);

/// <summary>A user as <c>GET /api/v1/users</c> lists them (never the password hash).</summary>
public sealed record UserView(string Name, string Role, DateTimeOffset CreatedAt);

/// <summary>An API token as <c>GET /api/v1/tokens</c> lists them (never the secret or its hash).</summary>
public sealed record TokenView(string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>The session, user and token API as the server writes it and clients read it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(IReadOnlyList<UserView>))]
[JsonSerializable(typeof(IReadOnlyList<TokenView>))]
public sealed partial class SessionJson : JsonSerializerContext;

/// <summary>Why a login was refused: <see cref="Code"/> for a page's link (never text from the request), the rest for the API's problem.</summary>
internal sealed record LoginRefusal(string Code, int Status, string Title, string Detail, TimeSpan? RetryAfter = null)
{
    public const string Invalid = "invalid";
    public const string Limited = "limited";
    public const string Unavailable = "unavailable";
    public const string Wrong = "wrong";
}

/// <summary>Logging in and out with a name and password: a cookie session.</summary>
public static partial class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/api/v1/session");
        session.MapPost("", LoginAsync).Public().RequireRateLimiting(SecurityServices.LoginPolicy);
        session.MapGet("", (HttpContext context, IAntiforgery antiforgery) => View(context, antiforgery)).RequireRole(Role.Viewer);
        session.MapDelete("", async (HttpContext context) =>
        {
            await context.SignOutAsync(SecurityServices.CookieScheme);
            return Results.NoContent();
        }).RequireRole(Role.Viewer);
        // Users and tokens are made with the CLI on the server's machine (a secret is shown once, where it is made);
        // over HTTP an admin lists them and revokes a token.
        app.MapGet("/api/v1/users", async (IIdentityStore store, CancellationToken ct) =>
            Results.Json((await store.ListUsersAsync(ct)).Select(u => new UserView(u.Name, u.Role.Name(), u.CreatedAt)).ToArray(),
                SessionJson.Default.IReadOnlyListUserView)).RequireRole(Role.Admin);
        app.MapGet("/api/v1/tokens", async (IIdentityStore store, CancellationToken ct) =>
            Results.Json((await store.ListTokensAsync(ct)).Select(t => new TokenView(t.Name, t.Role.Name(), t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt))
                .ToArray(), SessionJson.Default.IReadOnlyListTokenView)).RequireRole(Role.Admin);
        app.MapPost("/api/v1/tokens/{name}/revoke", async (string name, IIdentityStore store, TimeProvider time, CancellationToken ct) =>
            await store.RevokeTokenAsync(name, time.GetUtcNow(), ct)
                ? Results.NoContent()
                : Results.Problem($"no unrevoked token named \"{name}\"", statusCode: StatusCodes.Status404NotFound)).RequireRole(Role.Admin);
        return app;
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, CancellationToken ct)
    {
        var (body, invalid) = await JsonBody<LoginRequest>.ReadAsync(context.Request, SessionJson.Default.LoginRequest, optional: false, ct);
        if (body is null) return invalid!;
        var refused = await SignInAsync(context, body.Name, body.Password, ct);
        if (refused is null) return View(context, antiforgery);
        if (refused.RetryAfter is { } wait) context.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return Results.Problem(refused.Detail, statusCode: refused.Status, title: refused.Title);
    }

    /// <summary>
    /// Signs <paramref name="name"/> in with a cookie session when the password is theirs, within the per-name limit;
    /// null then, else why not. The API's login and the dashboard's login form both come here.
    /// </summary>
    internal static async Task<LoginRefusal?> SignInAsync(HttpContext context, string? name, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(password))
            return new(LoginRefusal.Invalid, StatusCodes.Status400BadRequest, "invalid request body", "name and password are required");
        // One name, one limit: " alice" and "alice\t" are alice, as the lookup below has it. A name no user can have is
        // refused before it reaches the limiter, a log line or the audit trail, so a megabyte of name is never kept.
        name = name.Trim();
        if (!IdentityNames.IsValid(name))
        {
            context.AuditDetail("with a name no user can have");
            return new(LoginRefusal.Invalid, StatusCodes.Status400BadRequest, "invalid request body",
                $"name is not a user name: letters, digits, '.', '_', '-' and '@', at most {IdentityNames.MaxLength} characters");
        }
        // Who a failed or refused login tried to be: the audit trail's who is still nobody then.
        context.AuditDetail($"as \"{name}\"");
        var services = context.RequestServices;
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ballast.Server.Security.Login");
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using var lease = services.GetRequiredService<LoginLimiter>().Acquire(name);
        if (!lease.IsAcquired)
        {
            LogLimited(log, name, address);
            var wait = LoginLimiter.RetryAfter(lease);
            return new(LoginRefusal.Limited, StatusCodes.Status429TooManyRequests, "too many logins",
                $"too many logins as \"{name}\": try again in {(int)wait.TotalSeconds} s (server.login_limit)", wait);
        }
        // Read fresh, not from the cache: a password just changed must count at once. An unknown name is checked
        // against a dummy hash, so both failures take the same time.
        UserAccount? user;
        try
        {
            user = await services.GetRequiredService<IIdentityStore>().FindUserAsync(name, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && IdentityCache.IsStorageFailure(e))
        {
            return new(LoginRefusal.Unavailable, StatusCodes.Status503ServiceUnavailable, "storage unavailable",
                "storage unavailable, cannot check the credential; try again shortly", TimeSpan.FromSeconds(5));
        }
        if (!Passwords.Verify(user, password))
        {
            LogFailed(log, name, address);
            return new(LoginRefusal.Wrong, StatusCodes.Status401Unauthorized, "login failed", "wrong name or password");
        }
        var principal = BallastIdentity.Principal(user!.Name, user.Role, SecurityServices.CookieScheme);
        await context.SignInAsync(SecurityServices.CookieScheme, principal);
        // The antiforgery token is bound to the identity: made for the one just signed in, not the anonymous caller.
        context.User = principal;
        return null;
    }

    private static IResult View(HttpContext context, IAntiforgery antiforgery)
    {
        var identity = context.User.Identity!;
        var cookie = identity.AuthenticationType == SecurityServices.CookieScheme;
        var token = cookie ? antiforgery.GetAndStoreTokens(context).RequestToken : null;
        var role = BallastIdentity.RoleOf(context.User)?.Name() ?? "none";
        return Results.Json(new SessionView(identity.Name ?? "", role, identity.AuthenticationType ?? "", token), SessionJson.Default.SessionView);
    }

    [LoggerMessage(EventId = LogEvents.Security.LoginFailed, Level = LogLevel.Information, Message = "failed login as {Name} from {Address}")]
    private static partial void LogFailed(ILogger logger, string name, string address);

    [LoggerMessage(EventId = LogEvents.Security.LoginLimited, Level = LogLevel.Warning, Message = "login as {Name} from {Address} refused: too many attempts")]
    private static partial void LogLimited(ILogger logger, string name, string address);
}
