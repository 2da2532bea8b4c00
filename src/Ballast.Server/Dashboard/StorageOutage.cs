using Ballast.Storage;
using Ballast.Storage.Monitoring;

namespace Ballast.Server.Dashboard;

/// <summary>
/// What a dashboard page could not show because storage did not answer: the page still renders (layout, navigation,
/// what it has from memory) and says what is missing, why and since when, answering 503 with Retry-After so a monitor
/// watching the dashboard, or a script reading it, sees it degraded instead of reading a 200 as healthy or a 500 as a bug.
/// </summary>
/// <param name="What">What the page cannot show, as words that follow "Ballast cannot show".</param>
/// <param name="Reason">The storage failure in one line (hosts and ports, never passwords).</param>
/// <param name="Since">Since when writes have been failing too, when the writer knows; null when only this read failed.</param>
public sealed record StorageOutage(string What, string Reason, DateTimeOffset? Since)
{
    /// <summary>Seconds a client is asked to wait before trying again.</summary>
    public const int RetryAfterSeconds = 30;

    /// <summary>
    /// True for a failure to treat as storage being unavailable: not the caller going away (its request's token
    /// cancelled, nothing left to answer) and not the process running out of memory.
    /// </summary>
    public static bool IsOutage(Exception exception, HttpContext context) =>
        !context.RequestAborted.IsCancellationRequested && exception is not OutOfMemoryException;

    /// <summary>Logs the failure, makes the response a 503 with Retry-After, and returns what the page should say.</summary>
    public static StorageOutage Answer(HttpContext context, Exception exception, string page, string what, ILogger logger)
    {
        var reason = StorageFailure.Describe(exception);
        DashboardLog.PageWithoutStorage(logger, page, reason);
        // The component renderer sets the status after the page initialises: only a callback runs late enough.
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }, context.Response);
        return new StorageOutage(what, reason, context.RequestServices.GetService<MonitoringWriter>()?.Status.FailingSince);
    }
}
