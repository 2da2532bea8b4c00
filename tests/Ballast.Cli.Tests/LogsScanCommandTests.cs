using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

public sealed class LogsScanCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly string OutageLog = Repository.Path("tests", "data", "outage-nestjs.log");

    // The outage: a deploy at 02:13:07 stalled after "Starting Nest application..." until a restart nine hours later.
    [Fact]
    public async Task Scan_OutageLog_NestjsPack_FiresStartupStallSixtySecondsAfterStartInLogTime()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestjs", OutageLog);

        Assert.Equal(ExitCodes.RuleFired, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.Contains($"FIRING   2026-11-29T02:14:07Z nestjs-startup-stall {OutageLog}:19: \"Starting Nest application\" was not followed by "
                        + "\"Nest application successfully started\" within 1m", lines);
        Assert.Contains("          19  [Nest] 1  - 11/29/2026, 2:13:07 AM     LOG [NestFactory] Starting Nest application...", lines);
        Assert.Contains($"RESOLVED 2026-11-29T11:31:45Z nestjs-startup-stall {OutageLog}:43: \"Nest application successfully started\" arrived", lines);
        Assert.Single(lines, l => l.StartsWith("FIRING", StringComparison.Ordinal)); // the healthy starts before and after fire nothing
        Assert.Contains("44 lines in 1 file, 6 rules: 1 firing", run.Stderr);
    }

    [Fact]
    public async Task Scan_Json_PrintsOneTypedObjectPerFiringAndResolution()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestjs", "--json", OutageLog);

        Assert.Equal(ExitCodes.RuleFired, run.ExitCode);
        var events = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(2, events.Length);
        var firing = events[0];
        Assert.Equal("firing", firing.GetProperty("event").GetString());
        Assert.Equal("nestjs-startup-stall", firing.GetProperty("rule").GetString());
        Assert.Equal(19, firing.GetProperty("line").GetInt64());
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 2, 14, 7, TimeSpan.Zero), firing.GetProperty("at").GetDateTimeOffset());
        var cause = Assert.Single(firing.GetProperty("lines").EnumerateArray());
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 2, 13, 7, TimeSpan.Zero), cause.GetProperty("time").GetDateTimeOffset());
        Assert.EndsWith("Starting Nest application...", cause.GetProperty("text").GetString());
        Assert.Equal("resolved", events[1].GetProperty("event").GetString());
        Assert.Equal(43, events[1].GetProperty("line").GetInt64());
    }

    [Fact]
    public async Task Scan_FileEndsWhileWaiting_FiresOnlyWhenTheClockRunsOnPastTheWait()
    {
        var log = _dir.Write("stalled.log", string.Join('\n', File.ReadLines(OutageLog).Take(27)) + "\n");

        var atEnd = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestjs", log);
        var runOn = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestjs", "--until", "10m", log);

        Assert.Equal(ExitCodes.Ok, atEnd.ExitCode);
        Assert.Contains("27 lines in 1 file, 6 rules: nothing fired", atEnd.Stderr);
        Assert.Equal(ExitCodes.RuleFired, runOn.ExitCode);
        Assert.Contains($"FIRING   2026-11-29T02:14:07Z nestjs-startup-stall {log}:19:", runOn.Stdout);
    }

    [Fact]
    public async Task Scan_AspNetCoreLog_AspnetcorePack_FiresStallAndDatabaseErrorsWithTheirLines()
    {
        var log = _dir.Write("api.log", """
            2026-11-29T02:13:07.101Z info: Microsoft.Hosting.Lifetime[14]
                  Now listening on: http://[::]:8080
            2026-11-29T02:13:07.140Z fail: Microsoft.EntityFrameworkCore.Database.Connection[20004]
                  An error occurred using the connection to database 'shop' on server 'tcp://192.0.2.5:5432'.
            2026-11-29T02:13:08.002Z fail: Microsoft.EntityFrameworkCore.Update[10000]
                  Npgsql.NpgsqlException (0x80004005): Failed to connect to 192.0.2.5:5432
            2026-11-29T02:13:09.010Z fail: Microsoft.EntityFrameworkCore.Update[10000]
                  Npgsql.NpgsqlException (0x80004005): Failed to connect to 192.0.2.5:5432
            2026-11-29T02:13:10.020Z fail: Microsoft.EntityFrameworkCore.Update[10000]
                  Npgsql.NpgsqlException (0x80004005): Failed to connect to 192.0.2.5:5432
            2026-11-29T02:15:00.000Z warn: Shop.Jobs.Warmup[0]
                  Warmup still waiting for the catalog
            """);

        var run = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "aspnetcore", log);

        Assert.Equal(ExitCodes.RuleFired, run.ExitCode);
        Assert.Contains($"FIRING   2026-11-29T02:13:10Z aspnetcore-database-connection {log}:10: 3 lines matched", run.Stdout);
        Assert.Contains($"FIRING   2026-11-29T02:14:07Z aspnetcore-startup-stall {log}:2: ", run.Stdout);
        Assert.Contains("           2        Now listening on: http://[::]:8080", run.Stdout.Split('\n'));
    }

    [Fact]
    public async Task Scan_RulesFile_RunsItsLogsRulesWhateverTheirSource()
    {
        var rules = _dir.Write("rules.yaml", """
            logs:
              sources: [{ name: api, file: /var/log/api/*.log }]
              rules:
                - { name: token-budget, type: threshold, source: api, match: "Token budget exceeded", when: "count > 0 in 1m" }
            """);

        var run = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--rules", rules, OutageLog);

        Assert.Equal(ExitCodes.RuleFired, run.ExitCode);
        Assert.Contains($"FIRING   2026-11-28T21:47:30Z token-budget {OutageLog}:17: 1 lines matched \"Token budget exceeded\"", run.Stdout);
        Assert.Contains("1 rules: 1 firing", run.Stderr);
    }

    [Fact]
    public async Task Scan_HealthyLog_ExitsOk()
    {
        var log = _dir.Write("healthy.log", string.Join('\n', File.ReadLines(OutageLog).Take(16)) + "\n");

        var run = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestjs", "--pack", "aspnetcore", log);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("16 lines in 1 file, 11 rules: nothing fired", run.Stderr);
    }

    [Fact]
    public async Task Scan_UnknownPackOrMissingFile_SaysWhatAndExits()
    {
        var pack = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestj", OutageLog);
        var file = await BallastProcess.RunAsync(_dir.Path, "logs", "scan", "--pack", "nestjs", _dir.File("nope.log"));

        Assert.Equal(ExitCodes.ConfigInvalid, pack.ExitCode);
        Assert.Contains("--pack: no pack named \"nestj\"; did you mean \"nestjs\"?", pack.Stderr);
        Assert.Equal(ExitCodes.NotFound, file.ExitCode);
        Assert.Contains($"{_dir.File("nope.log")}: no such file", file.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}
