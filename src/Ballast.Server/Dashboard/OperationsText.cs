using System.Globalization;
using Ballast.Core.Config;

namespace Ballast.Server.Dashboard;

/// <summary>How the incident, deploy and success pages write times and durations: UTC, to the second, the same everywhere.</summary>
public static class OperationsText
{
    /// <summary>A moment as <c>2026-12-07 23:05:09 UTC</c>.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The machine-readable form for a <c>&lt;time datetime&gt;</c> attribute.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>A duration as <c>4m12s</c>, rounded to the second above a minute and to the millisecond below one.</summary>
    public static string Span(TimeSpan span) =>
        Duration.Format(span.Duration() >= TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(Math.Round(span.TotalSeconds)) : TimeSpan.FromMilliseconds(Math.Round(span.TotalMilliseconds)));

    /// <summary>Seconds as a duration, or "—" for none.</summary>
    public static string Seconds(double? seconds) => seconds is { } s ? Span(TimeSpan.FromSeconds(s)) : "—";

    /// <summary>A link target only when it is a web address: a runbook from the config must never become a script URL.</summary>
    public static string? WebLink(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri.ToString() : null;

    /// <summary>
    /// Answers the page being rendered with 404 and its own words. The status is set as the headers go out, not
    /// during rendering: a component that sets 404 itself gets an empty body from the framework (it expects a
    /// router-wide not-found page), and a person following a stale link should read why.
    /// </summary>
    public static void AnswerNotFound(HttpContext context) =>
        context.Response.OnStarting(static state =>
        {
            ((HttpResponse)state).StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }, context.Response);
}
