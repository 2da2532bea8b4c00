using System.Net;
using System.Threading.RateLimiting;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;

namespace Ballast.Server.Security;

/// <summary>
/// Authentication (cookie sessions for people, API tokens for machines, the local credential for the CLI on this
/// machine), one authorization policy per role, antiforgery for cookie-borne requests, the login rate limit and
/// forwarded headers from trusted proxies only: all ASP.NET Core's own.
/// </summary>
public static class SecurityServices
{
    /// <summary>The scheme that picks one of the three by the request's <c>Authorization</c> header.</summary>
    public const string DefaultScheme = "Ballast";

    /// <summary>The cookie session's scheme name.</summary>
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The session cookie's name.</summary>
    public const string SessionCookie = "ballast_session";

    /// <summary>The header a cookie-authenticated state-changing request carries its antiforgery token in.</summary>
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>The rate limiter policy of <c>POST /api/v1/session</c>, per client address.</summary>
    public const string LoginPolicy = "login";

    public static IServiceCollection AddBallastSecurity(this IServiceCollection services, BallastConfig config)
    {
        services.AddSingleton<LocalSecret>();
        services.AddSingleton<IdentityCache>();
        services.AddSingleton<LoginLimiter>();
        // First of all hosted services: a server with an undeclared route must not start anything.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<AccessCheck>()));
        services.AddSingleton<AccessCheck>();

        var anonymousRead = config.Server.AnonymousRead;
        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Ballast", o => o.ForwardDefaultSelector = context =>
                AuthorizationHeader.Names(context.Request, ApiTokenHandler.SchemeName) ? ApiTokenHandler.SchemeName
                // Log shippers' basic_auth: the token as the password, on the Loki push route only.
                : AuthorizationHeader.Names(context.Request, BasicToken.Scheme) && Logs.Loki.LokiEndpoints.TakesBasicAuth(context.Request) ? ApiTokenHandler.SchemeName
                : AuthorizationHeader.Names(context.Request, LocalCredential.Scheme) ? LocalCredential.Scheme
                // Only a request with no credential at all: a wrong one must fail in its own scheme, not read anyway.
                : anonymousRead && !AuthorizationHeader.Any(context.Request) && !context.Request.Cookies.ContainsKey(SessionCookie)
                    ? AnonymousReadHandler.SchemeName
                    : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AnonymousReadHandler>(AnonymousReadHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, LocalCredentialHandler>(LocalCredential.Scheme, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                // An API answers 401 and 403; there is no login page to redirect to.
                // A person's browser asking for a page goes to the login page and comes back after.
                o.Events.OnRedirectToLogin = c => WantsPage(c.Request)
                    ? Redirect(c.HttpContext, Dashboard.LoginForm.PageUrl(null, c.Request.PathBase + c.Request.Path + c.Request.QueryString))
                    : Refuse(c.HttpContext, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Refuse(c.HttpContext, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            });
        services.AddAuthorization(o =>
        {
            // No fallback policy: every route declares its access or the server does not start (AccessCheck), and a
            // fallback would also answer 401 where routing answers a stranger 404 (no such path) or 405 (HEAD /health/live).
            foreach (var role in Roles.All) o.AddPolicy(Access.Policy(role), p => p.RequireAuthenticatedUser().RequireRole(role.Name()));
        });
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "ballast_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        var limit = config.Server.LoginLimit;
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(LoginPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => LoginLimiter.Options(limit)));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) => LoginLimiter.RejectAsync(context.HttpContext, context.Lease, "from this address");
        });
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the proxies the config names: the defaults trust loopback, which would let anything on this machine
            // (or a proxy not meant to) claim any client address.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var entry in config.Server.TrustedProxies)
            {
                if (IPAddress.TryParse(entry, out var address)) o.KnownProxies.Add(address);
                else o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
            }
        });
        return services;
    }

    /// <summary>The middleware, in order: forwarded headers, routing, authentication, audit, rate limit, authorization, antiforgery.</summary>
    public static WebApplication UseBallastSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Hosting.ConfigState>().Current.Server.TrustedProxies.Count > 0) app.UseForwardedHeaders();
        app.UseRouting();
        app.UseIdentityStorageGuard();
        app.UseAuthentication();
        // Audit runs where authentication has named the caller and before the rate limit or authorization may refuse
        // them, so refusals (a 429 to a password guesser, a 403) are kept too.
        app.UseAudit();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.Use(RequireAntiforgeryAsync);
        // The dashboard's pages carry the platform's antiforgery metadata, which wants its middleware in the pipeline.
        app.UseAntiforgery();
        return app;
    }

    /// <summary>Hands the route sources to <see cref="AccessCheck"/>; call after every route is mapped.</summary>
    public static void CheckAccessAtStart(this WebApplication app) =>
        app.Services.GetRequiredService<AccessCheck>().Sources = ((IEndpointRouteBuilder)app).DataSources;

    /// <summary>
    /// A state-changing request authenticated by the session cookie must carry the antiforgery token: a browser sends
    /// the cookie with a request another site's page makes, but that page cannot read the token. Bearer tokens and the
    /// local credential are never sent by a browser on its own, so they need none. The login form needs it too
    /// (<see cref="Dashboard.RequireFormAntiforgery"/>), or another site could sign a browser in as someone else.
    /// </summary>
    private static async Task RequireAntiforgeryAsync(HttpContext context, RequestDelegate next)
    {
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && (context.User.Identity is { IsAuthenticated: true, AuthenticationType: CookieScheme }
                      || context.GetEndpoint()?.Metadata.GetMetadata<Dashboard.RequireFormAntiforgery>() is not null))
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                await Results.Problem($"{method} {context.Request.Path} refused: a request authenticated by the session cookie (or a login form) must "
                                      + $"send the antiforgery token from GET /api/v1/session in the {AntiforgeryHeader} header, or the page's form field",
                    statusCode: StatusCodes.Status403Forbidden, title: "antiforgery token missing or invalid").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }

    /// <summary>A session ends within <see cref="IdentityCache.Lifetime"/> of its user being removed; a changed role applies as soon.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var user = name is null ? null : await context.HttpContext.RequestServices.GetRequiredService<IdentityCache>().UserAsync(name, context.HttpContext.RequestAborted);
        if (user is null)
        {
            context.RejectPrincipal();
            return;
        }
        if (BallastIdentity.RoleOf(context.Principal!) != user.Role)
        {
            context.ReplacePrincipal(BallastIdentity.Principal(user.Name, user.Role, CookieScheme));
            context.ShouldRenew = true;
        }
    }

    /// <summary>A browser navigating: a GET that accepts HTML (what a script's fetch of the API does not ask for).</summary>
    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(HttpContext context, string location)
    {
        context.Response.Redirect(location);
        return Task.CompletedTask;
    }

    private static Task Refuse(HttpContext context, int status) => Results.Problem(
        status == StatusCodes.Status401Unauthorized
            ? $"{context.Request.Method} {context.Request.Path} needs credentials: log in (POST /api/v1/session), or send an API token as Authorization: Bearer"
            : $"{context.Request.Method} {context.Request.Path} needs a role {context.User.Identity?.Name} does not have",
        statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "not authenticated" : "forbidden").ExecuteAsync(context);
}
