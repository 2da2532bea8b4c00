using Ballast.Core.Security;
using Ballast.Server.Security;
using Microsoft.AspNetCore.Authentication;

namespace Ballast.Server.Dashboard;

/// <summary>
/// The login page's form and the sign-out button: plain HTML form posts (no script needed), checked by the same code as
/// the API's login (<see cref="SessionEndpoints.SignInAsync"/>: limits, audit, storage outages) and answered with a
/// redirect, so a reload never posts a password twice.
/// </summary>
public static class LoginForm
{
    /// <summary>Where the login form posts: public, rate limited per address like <c>POST /api/v1/session</c>.</summary>
    public const string LoginPath = "/session/login";

    /// <summary>Where the sign-out button posts.</summary>
    public const string LogoutPath = "/session/logout";

    /// <summary>The login page, saying why the last try failed (a code, never text from a request) and where to go after.</summary>
    public static string PageUrl(string? refusal, string? returnTo)
    {
        var query = new List<string>();
        if (refusal is not null) query.Add("error=" + Uri.EscapeDataString(refusal));
        if (LocalPath(returnTo) is { } local && local != "/") query.Add("return=" + Uri.EscapeDataString(local));
        return "/login" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    /// <summary><paramref name="path"/> when it is a path on this server, else null: a login never sends anyone elsewhere.</summary>
    public static string? LocalPath(string? path) =>
        path is { Length: > 0 } && path[0] == '/' && (path.Length == 1 || (path[1] != '/' && path[1] != '\\')) && !path.Contains("://", StringComparison.Ordinal)
        // Browsers drop tabs and line breaks from a Location ("/\t/evil.example" is "//evil.example"), and a header
        // cannot carry other characters than ASCII: only printable ASCII without spaces is a path we send anyone to.
        && path.All(c => c is > ' ' and < '\u007f')
            ? path
            : null;

    public static IEndpointRouteBuilder MapLoginForm(this IEndpointRouteBuilder app)
    {
        app.MapPost(LoginPath, async (HttpContext context, CancellationToken ct) =>
        {
            var form = await context.Request.ReadFormAsync(ct);
            var returnTo = LocalPath(form["return"]) ?? "/";
            var refused = await SessionEndpoints.SignInAsync(context, form["name"], form["password"], ct);
            return Results.Redirect(refused is null ? returnTo : PageUrl(refused.Code, returnTo));
        }).Public().RequireRateLimiting(SecurityServices.LoginPolicy).WithMetadata(RequireFormAntiforgery.Instance);

        app.MapPost(LogoutPath, async (HttpContext context) =>
        {
            await context.SignOutAsync(SecurityServices.CookieScheme);
            return Results.Redirect("/login");
        }).RequireRole(Role.Viewer);
        return app;
    }
}

/// <summary>
/// A form post that must carry the antiforgery token even without a session cookie: the login form, so another site
/// cannot sign a browser in as someone else (login CSRF).
/// </summary>
internal sealed class RequireFormAntiforgery
{
    public static readonly RequireFormAntiforgery Instance = new();
}
