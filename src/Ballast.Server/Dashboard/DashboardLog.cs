using Ballast.Core.Diagnostics;

namespace Ballast.Server.Dashboard;

/// <summary>What the overview and monitor pages log.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = LogEvents.DashboardPages.HistoryUnavailable, Level = LogLevel.Warning,
        Message = "the {Page} page was shown without history: storage did not answer ({Error})")]
    public static partial void HistoryUnavailable(ILogger logger, string page, string error);
}
