using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Core.Reporting;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Cli.Tests;

public sealed class ReportCommandTests
{
    [Fact]
    public async Task ReportJson_SameRecordAsTheApi_ForTheSameStorage()
    {
        await using var server = await ServerHarness.StartAsync("""
              - { name: api, type: tcp, target: "127.0.0.1:9", interval: 1h }
            """);
        var now = TimeProvider.System.GetUtcNow();
        var started = now.AddHours(-2);
        var incident = new Incident("i-report", "api", started, started.AddSeconds(40), started.AddMinutes(12), "connection refused");
        await server.Services.GetRequiredService<IMonitoringStore>().WriteAsync([
            new CheckRecord(new CheckResult("api", started, TimeSpan.FromMilliseconds(3), false, "connection refused", null),
                new MonitorStatus("api", MonitorState.Up, 0, 1, LastCheckAt: started), incident)]);
        var deploys = server.Services.GetRequiredService<IDeployStore>();
        foreach (var (release, outcome) in new[] { ("api.1", DeployOutcome.Deployed), ("api.2", DeployOutcome.RolledBack), ("api.3", DeployOutcome.RollbackFailed) })
            await deploys.AddAsync(new DeployRecord { Service = "api", Release = release, StartedAt = now.AddHours(-1), Who = "ci", Outcome = outcome },
                CancellationToken.None);

        var cli = await BallastProcess.RunAsync(Path.GetDirectoryName(server.ConfigPath)!, "report", "--days", "7", "--json", "--config", server.ConfigPath);
        var api = await server.Client.GetFromJsonAsync("/api/v1/report?days=7", ReportJson.Default.SuccessReport);

        Assert.True(cli.ExitCode == 0, cli.Stderr);
        var printed = JsonSerializer.Deserialize(cli.Stdout, ReportJson.Default.SuccessReport)!;
        // Made a moment apart, the two periods end a moment apart; everything counted is the same.
        Assert.InRange(api!.To - printed.To, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal(JsonSerializer.Serialize(api with { From = default, To = default }, ReportJson.Default.SuccessReport),
            JsonSerializer.Serialize(printed with { From = default, To = default }, ReportJson.Default.SuccessReport));
        Assert.Equal(["i-report"], printed.Outages.OutageIds);
        Assert.Equal(720, printed.TimeToRecover.WorstSeconds);
        Assert.False(printed.TimeToRecover.Met);
        Assert.Equal((3, 1), (printed.Verification.Deploys, printed.Verification.Passed));
        Assert.Equal(1, printed.NeedingPerson.Deploys);

        var table = await BallastProcess.RunAsync(Path.GetDirectoryName(server.ConfigPath)!, "report", "--days", "7", "--config", server.ConfigPath);
        Assert.Contains("time to recover", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("not met", table.Stdout, StringComparison.Ordinal);
        var refused = await BallastProcess.RunAsync(Path.GetDirectoryName(server.ConfigPath)!, "report", "--days", "0", "--config", server.ConfigPath);
        Assert.Equal(ExitCodes.ConfigInvalid, refused.ExitCode);
    }
}
