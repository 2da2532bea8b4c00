using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Core.Reporting;
using Ballast.Server.Dashboard;
using Ballast.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Ballast.Cli.Commands;

/// <summary>
/// <c>ballast report --days 30 [--json]</c>: the success report read from Ballast's storage directly (no server needed),
/// computed by the same <see cref="SuccessReport"/> as the dashboard's success page and <c>GET /api/v1/report</c>.
/// </summary>
internal static class ReportCommand
{
    // Indented for people reading the output; the record is the API's own (ReportJson).
    private static readonly ReportJson Json = new(new JsonSerializerOptions(ReportJson.Default.Options) { WriteIndented = true });

    public static Command Create()
    {
        var config = ConfigOption.Create();
        var days = new Option<int>("--days") { Description = $"The period: this many days up to now (1 to {SuccessReport.MaxDays})", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON on stdout, as GET /api/v1/report answers it" };
        var command = new Command("report", "The success metrics over a period next to their goals: outages, verified deploys, time to detect and recover, deploys needing a person")
            { days, json, config };
        ConfigOption.SetAction(command, config, (loaded, parse, ct) => StorageGuard.RunAsync(async () =>
        {
            var period = parse.GetValue(days);
            if (period is < 1 or > SuccessReport.MaxDays)
            {
                Console.Error.WriteLine($"ballast report: --days {period.ToString(CultureInfo.InvariantCulture)} is not from 1 to {SuccessReport.MaxDays}");
                return ExitCodes.ConfigInvalid;
            }
            await using var services = new ServiceCollection().AddBallastStorage(loaded).BuildServiceProvider();
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);
            var report = await SuccessReport.ReadAsync(services.GetRequiredService<IMonitoringStore>(), services.GetRequiredService<IDeployStore>(), loaded,
                TimeProvider.System, period, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Json.SuccessReport));
                return ExitCodes.Ok;
            }
            Print(report);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(SuccessReport r)
    {
        var table = new Table().AddColumns("metric", "this period", "goal", "met");
        static string Met(bool met) => met ? "[green]met[/]" : "[red]not met[/]";
        table.AddRow("unexpected outages", $"{r.Outages.Unexpected} (of {r.Outages.Incidents} incidents; {r.Outages.InMaintenance} in maintenance)", "none", Met(r.Outages.Met));
        table.AddRow("deploys passing verification",
            r.Verification.Percent is { } p ? $"{p.ToString("0.#", CultureInfo.InvariantCulture)} % ({r.Verification.Passed} of {r.Verification.Deploys})" : "no deploys",
            "100 %", Met(r.Verification.Met));
        table.AddRow("time to detect", Markup.Escape(Durations(r.TimeToDetect)), $"under {OperationsText.Seconds(r.TimeToDetect.GoalSeconds)}", Met(r.TimeToDetect.Met));
        table.AddRow("time to recover", Markup.Escape(Durations(r.TimeToRecover)), $"under {OperationsText.Seconds(r.TimeToRecover.GoalSeconds)}", Met(r.TimeToRecover.Met));
        table.AddRow("deploys needing a person",
            r.NeedingPerson.Deploys + (r.NeedingPerson.Deploys > 0 ? $" (#{string.Join(", #", r.NeedingPerson.DeployIds)})" : ""), "none (exit 8 or 9)",
            Met(r.NeedingPerson.Met));
        var stdout = AnsiConsole.Console;
        if (Console.IsOutputRedirected) stdout.Profile.Width = 1000;
        stdout.Write(table);
        Console.Error.WriteLine($"{r.Days} days from {OperationsText.Time(r.From)} to {OperationsText.Time(r.To)}: " +
                                (r.AllMet ? "every goal met" : "some goals not met"));
    }

    private static string Durations(DurationFigures f) =>
        f.Incidents == 0 ? "no outages"
        : $"median {OperationsText.Seconds(f.MedianSeconds)}, worst {OperationsText.Seconds(f.WorstSeconds)} ({f.WorstIncident})" +
          (f.StillOpen > 0 ? $"; {f.StillOpen} still open" : "");
}
