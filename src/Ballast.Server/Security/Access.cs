using Ballast.Core.Security;
using Microsoft.AspNetCore.Authorization;

namespace Ballast.Server.Security;

/// <summary>
/// The role a route requires, as endpoint metadata: <see cref="Access.RequireRole{TBuilder}"/> on an endpoint, or
/// <c>@attribute [RequiredRole(Role.Viewer)]</c> on a dashboard page. It is the authorization requirement itself (the role's policy).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiredRoleAttribute(Role role) : Attribute, IAuthorizeData
{
    public Role Role { get; } = role;

    string? IAuthorizeData.Policy { get => Access.Policy(Role); set => throw new NotSupportedException(); }
    string? IAuthorizeData.Roles { get => null; set => throw new NotSupportedException(); }
    string? IAuthorizeData.AuthenticationSchemes { get => null; set => throw new NotSupportedException(); }
}

/// <summary>
/// Marks a route that answers without credentials, on purpose (it must also be in <see cref="Access.PublicRoutes"/>):
/// <see cref="Access.Public{TBuilder}"/> on an endpoint, <c>@attribute [PublicRoute]</c> on a page.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PublicRouteAttribute : Attribute, IAllowAnonymous
{
    internal static readonly PublicRouteAttribute Instance = new();
}

/// <summary>
/// Every route declares who may call it: <see cref="RequireRole{TBuilder}"/> or <see cref="Public{TBuilder}"/>. A route
/// with neither stops the server from starting (<see cref="AccessCheck"/>), so a new route cannot be open by accident.
/// </summary>
public static class Access
{
    // Declared before PublicRoutes, which is built from it when the class is initialised.
    private static readonly string[] PushMethods = ["GET", "POST", "HEAD"];

    /// <summary>
    /// The routes anyone may call, by method and route pattern: what docs/security.md's "Routes" table lists as public.
    /// A route marked <see cref="Public{TBuilder}"/> that is not here stops the server too.
    /// </summary>
    public static IReadOnlyList<(string Method, string Pattern)> PublicRoutes { get; } =
    [
        ("GET", "/health/live"),
        ("GET", "/health/ready"),
        ("POST", "/api/v1/session"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("POST", "/session/login"),
        ("GET", "/assets/{file}"),
        ("GET", "/status/{Slug}"),
        ("POST", "/status/{Slug}"),
        ("GET", "/status/{slug}/feed.atom"),
        ..PushRoutes("/api/push/{token}"),
        ..PushRoutes("/api/push/{token}/start"),
        ..PushRoutes("/api/push/{token}/fail"),
        ..PushRoutes("/api/push/{token}/{exitCode:int}"),
    ];

    private static IEnumerable<(string, string)> PushRoutes(string pattern) => PushMethods.Select(m => (m, pattern));

    /// <summary>The authorization policy name of <paramref name="role"/>.</summary>
    public static string Policy(Role role) => role.Name();

    /// <summary>Only identities with <paramref name="role"/> (or a higher one) may call the route.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, Role role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRoleAttribute(role));

    /// <summary>Anyone may call the route; it must be in <see cref="PublicRoutes"/>.</summary>
    public static TBuilder Public<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(PublicRouteAttribute.Instance);

    /// <summary>
    /// Who did what the request asks, for the records it writes: the identity's name, except for the local CLI,
    /// which says who runs it (<c>--by</c>, defaulting to the OS user) in <paramref name="claimed"/>.
    /// </summary>
    public static string Actor(this HttpContext context, string? claimed)
    {
        var identity = context.User.Identity;
        if (identity?.AuthenticationType == LocalCredential.Scheme)
            return string.IsNullOrWhiteSpace(claimed) ? LocalCredential.IdentityName : claimed.Trim();
        return identity?.Name ?? "anonymous";
    }

    /// <summary>A route's pattern as people write it: a group's own route ("") has no trailing slash.</summary>
    public static string PatternOf(RouteEndpoint endpoint) => endpoint.RoutePattern.RawText is { Length: > 1 } raw ? raw.TrimEnd('/') : endpoint.RoutePattern.RawText ?? "?";

    /// <summary>Each route that declares no access, or is public without being on the list, in words.</summary>
    public static IReadOnlyList<string> Undeclared(IEnumerable<Endpoint> endpoints)
    {
        var problems = new List<string>();
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
            var pattern = PatternOf(endpoint);
            var isPublic = endpoint.Metadata.GetMetadata<PublicRouteAttribute>() is not null;
            var role = endpoint.Metadata.GetMetadata<RequiredRoleAttribute>();
            if (!isPublic && role is null)
                problems.Add($"route {string.Join(",", methods)} {pattern} declares no access: add .RequireRole(Role.X) or .Public()");
            else if (isPublic && role is not null)
                problems.Add($"route {string.Join(",", methods)} {pattern} is both public and role-restricted");
            else if (isPublic)
                foreach (var method in methods.Where(m => !Access.PublicRoutes.Contains((m, pattern))))
                    problems.Add($"route {method} {pattern} is marked public but is not in Access.PublicRoutes (and docs/security.md)");
        }
        return problems;
    }
}

/// <summary>
/// Refuses to start a server with a route that declares no access (fail closed), or a public route that is not in
/// <see cref="Access.PublicRoutes"/>; runs before every other hosted service. Also writes the local credential, so the
/// CLI on this machine can call the server as soon as it listens.
/// </summary>
internal sealed partial class AccessCheck(LocalSecret local, ILogger<AccessCheck> log) : IHostedService
{
    /// <summary>The application's route sources, handed over once the routes are mapped.</summary>
    public ICollection<EndpointDataSource>? Sources { get; set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Sources is null)
            throw new InvalidOperationException("the server's routes were never handed to the access check (CheckAccessAtStart); refusing to start unchecked");
        var problems = Access.Undeclared(Sources.SelectMany(s => s.Endpoints));
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
        try
        {
            local.Write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The server still serves; only the CLI on this machine needs a token until the folder is writable again.
            LogLocalCredentialNotWritten(log, local.Path, e.Message);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = Core.Diagnostics.LogEvents.Security.LocalCredentialNotWritten, Level = LogLevel.Warning,
        Message = "could not write the local credential to {Path}: {Error}; the CLI on this machine needs BALLAST_TOKEN until the next start")]
    private static partial void LogLocalCredentialNotWritten(ILogger logger, string path, string error);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
