using Ballast.Testing;

namespace Ballast.Cli.Tests;

public sealed class CheckCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Check_BrokenConfig_PrintsEveryProblemAndExits2()
    {
        var path = _dir.Write("ballast.yaml", """
            monitors:
              - name: api
                type: http
                url: http://127.0.0.1/health
                intervall: 30s
              - { name: db, type: tcp, target: "db:5432", interval: soon }
            """);

        var run = await BallastProcess.RunAsync(_dir.Path, "check", "--config", path);

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains($"{path}:5:5: monitors[0].intervall: unknown key; did you mean \"interval\"?", run.Stderr);
        Assert.Contains($"{path}:6:57: monitors[1].interval: \"soon\" is not a duration", run.Stderr);
        Assert.Contains("2 problems in", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    public static TheoryData<string> BrokenConfigFiles => new(BrokenConfigs.All.Select(c => Path.GetFileName(c.File)));

    [Theory]
    [MemberData(nameof(BrokenConfigFiles))]
    public async Task Check_EachBrokenConfig_LocatesTheProblemAndExits2(string file)
    {
        var expected = BrokenConfigs.All.Single(c => Path.GetFileName(c.File) == file);

        var run = await BallastProcess.RunAsync(_dir.Path, "check", "--config", expected.File);

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains(run.Stderr.Split('\n'), line => line.StartsWith($"{expected.File}:{expected.Line}:{expected.Column}: ", StringComparison.Ordinal)
                                                       && line.Contains(expected.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_MissingFile_SaysSoAndExits2()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "check", "--config", "nope.yaml");

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains("nope.yaml:1:1: cannot read the file", run.Stderr);
    }

    [Fact]
    public async Task Check_SampleConfig_PrintsSummaryAndExits0()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "check", "--config", Repository.Path("samples", "configs", "quickstart.yaml"));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("monitors 5 (1 dns, 1 heartbeat, 2 http, 1 tcp)", run.Stdout);
    }

    [Fact]
    public async Task Check_SecretInConfig_IsNeverPrinted()
    {
        var path = _dir.Write("ballast.yaml", "monitors:\n  - { name: job, type: heartbeat, period: 1h, token: 'hunter2-secret-token' }\n");

        var run = await BallastProcess.RunAsync(_dir.Path, "check", "--config", path);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("hunter2", run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task Check_ShowPushUrls_PrintsConfiguredAndGeneratedTokens_TheSameEachTime()
    {
        var path = _dir.Write("ballast.yaml", """
            server: { public_url: "https://ballast.example.com/ops", storage: "sqlite:ballast.db" }
            monitors:
              - { name: backup, type: heartbeat, period: 1d, token: b4ckup-push-t0ken-01, push_via_get: true }
              - { name: sync, type: heartbeat, period: 1h }
              - { name: api, type: tcp, target: "127.0.0.1:9" }
            """);

        var first = await BallastProcess.RunAsync(_dir.Path, "check", "--config", path, "--show-push-urls");
        var second = await BallastProcess.RunAsync(_dir.Path, "check", "--config", path, "--show-push-urls");

        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        var lines = first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^backup\s+https://ballast\.example\.com/ops/api/push/b4ckup-push-t0ken-01$", lines[0]);
        Assert.Matches(@"^sync\s+https://ballast\.example\.com/ops/api/push/[A-Za-z0-9_-]{32}  \(POST\)$", lines[1]);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    public void Dispose() => _dir.Dispose();
}
