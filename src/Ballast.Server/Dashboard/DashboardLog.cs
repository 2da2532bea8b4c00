using Ballast.Core.Diagnostics;

namespace Ballast.Server.Dashboard;

/// <summary>What the dashboard's pages log.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = LogEvents.DashboardPages.HistoryUnavailable, Level = LogLevel.Warning,
        Message = "the {Page} page was shown without history: storage did not answer ({Error})")]
    public static partial void HistoryUnavailable(ILogger logger, string page, string error);

    [LoggerMessage(EventId = LogEvents.DashboardPages.PageWithoutStorage, Level = LogLevel.Warning,
        Message = "the {Page} page answered 503: storage did not answer ({Error})")]
    public static partial void PageWithoutStorage(ILogger logger, string page, string error);
}
