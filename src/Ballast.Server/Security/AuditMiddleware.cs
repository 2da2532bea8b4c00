using System.Net;
using System.Text;
using Ballast.Core.Security;

namespace Ballast.Server.Security;

/// <summary>
/// Records every request that can change state (POST, PUT, PATCH, DELETE) to one of the server's routes: who
/// (<see cref="HttpContext.User"/>, as authentication left it), how, from which address, the method and route
/// pattern, the route values and the status it answered, and what the endpoint added with
/// <see cref="AuditHttpContextExtensions.AuditDetail"/>. Runs after routing and authentication and before
/// authorization, so a refused request (401, 403) is recorded too. The public push endpoints are left out: every cron
/// job pings them, and each ping is already kept as a check result.
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, IAuditSink sink, TimeProvider time)
{
    /// <summary>The push endpoints' prefix; see the class summary for why they are not audited.</summary>
    public const string UnauditedPrefix = "/api/push/";

    /// <summary>Runs the rest of the pipeline and records the request once it is answered (or has thrown).</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsStateChanging(context.Request.Method) || context.GetEndpoint() is not RouteEndpoint endpoint || Pattern(endpoint) is not { } pattern
            || pattern.StartsWith(UnauditedPrefix, StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }
        var feature = new AuditFeature();
        context.Features.Set(feature);
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            // Who is read after the endpoint ran: an endpoint that signs someone in has named them by then only in its detail.
            var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
            sink.Record(new AuditEntry(0, time.GetUtcNow(), Who(context), How(context), From(context), $"{context.Request.Method} {pattern}",
                Target(context), status.ToString(System.Globalization.CultureInfo.InvariantCulture), feature.Detail));
        }
    }

    private static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>The route as declared, without the trailing slash an empty sub-route of a group leaves.</summary>
    private static string? Pattern(RouteEndpoint endpoint) =>
        endpoint.RoutePattern.RawText is { Length: > 0 } raw ? (raw.Length > 1 ? raw.TrimEnd('/') : raw) : null;

    private static string Who(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : AuditEntry.Anonymous;

    private static string How(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, AuthenticationType: { Length: > 0 } scheme } ? scheme : AuditEntry.Anonymous;

    private static string From(HttpContext context) => context.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        IPAddress address => address.ToString(),
    };

    /// <summary>The route values as <c>name=value</c> pairs in the route's order; null when the route has none.</summary>
    private static string? Target(HttpContext context)
    {
        var values = context.Request.RouteValues;
        if (values.Count == 0) return null;
        var text = new StringBuilder();
        foreach (var (name, value) in values)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(name).Append('=').Append(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}

/// <summary>What an endpoint adds to its request's audit entry.</summary>
internal sealed class AuditFeature
{
    private string? _detail;

    public string? Detail => _detail;

    public void Add(string detail) => _detail = _detail is null ? detail : $"{_detail}; {detail}";
}

/// <summary>The endpoints' side of the audit trail.</summary>
public static class AuditHttpContextExtensions
{
    /// <summary>
    /// Adds <paramref name="detail"/> to this request's audit entry: what the generic record (route, values, status)
    /// cannot know, such as a login's attempted name or a silence's match. Never a secret: the trail is shown to
    /// admins. Calling it more than once joins the texts; on a request that is not audited it does nothing.
    /// </summary>
    public static void AuditDetail(this HttpContext context, string detail) => context.Features.Get<AuditFeature>()?.Add(detail);

    /// <summary>Records state-changing requests; call after <c>UseRouting</c> and <c>UseAuthentication</c>, before <c>UseAuthorization</c>.</summary>
    public static IApplicationBuilder UseAudit(this IApplicationBuilder app) => app.UseMiddleware<AuditMiddleware>();
}
