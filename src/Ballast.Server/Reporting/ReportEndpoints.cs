using System.Globalization;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Core.Reporting;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Server.Security;

namespace Ballast.Server.Reporting;

/// <summary><c>GET /api/v1/report?days=30</c>: the success report, the same record the dashboard and <c>ballast report</c> show.</summary>
public static class ReportEndpoints
{
    /// <summary>The period when none is asked for: the plan's 30 days.</summary>
    public const int DefaultDays = 30;

    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/report", async (string? days, IMonitoringStore incidents, IDeployStore deploys, ConfigState config, TimeProvider time,
            CancellationToken ct) =>
        {
            if (ParseDays(days) is not { } period)
                return Results.Problem($"days=\"{days}\" is not a whole number of days from 1 to {SuccessReport.MaxDays}", statusCode: 400);
            var report = await SuccessReport.ReadAsync(incidents, deploys, config.Current, time, period, ct);
            return Results.Json(report, ReportJson.Default.SuccessReport);
        }).RequireRole(Role.Viewer);
        return app;
    }

    /// <summary>The period asked for (<see cref="DefaultDays"/> when absent), or null when it is not 1 to <see cref="SuccessReport.MaxDays"/>.</summary>
    public static int? ParseDays(string? days) =>
        days is null ? DefaultDays
        : int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= SuccessReport.MaxDays ? n
        : null;
}
