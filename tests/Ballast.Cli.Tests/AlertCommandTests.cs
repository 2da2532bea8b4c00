using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

public sealed class AlertCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestReceiver _receiver = null!;
    private string _config = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _config = _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{TestTcpServer.ClosedPort()}}" }
            channels:
              hooks: { type: webhook, url: "{{_receiver.Url("/hook")}}", secret: s3cret }
            """);
    }

    [Fact]
    public async Task AlertTest_Delivered_PrintsTheServicesAnswer()
    {
        _receiver.Answer(200, "accepted");

        var run = await BallastProcess.RunAsync(_dir.Path, "alert", "test", "hooks", "--config", _config);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("hooks (webhook): delivered; the service answered: 200 OK: accepted", run.Stdout);
        var body = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body).RootElement;
        Assert.Equal("test", body.GetProperty("kind").GetString());
        Assert.DoesNotContain("s3cret", run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task AlertTest_Refused_Exits1WithTheReason()
    {
        _receiver.Answer(401, "bad signature");

        var run = await BallastProcess.RunAsync(_dir.Path, "alert", "test", "hooks", "--config", _config);

        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
        Assert.Contains("hooks (webhook): not delivered: 401 Unauthorized: bad signature", run.Stderr);
    }

    [Fact]
    public async Task AlertTest_UnknownChannel_SuggestsTheNearest()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "alert", "test", "hook", "--config", _config);

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains("no channel named \"hook\" under channels:; did you mean \"hooks\"?", run.Stderr);
    }

    [Fact]
    public async Task Ack_NoServerRunning_Exits5()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "ack", "0193", "--config", _config);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("cannot reach the Ballast server at http://127.0.0.1:", run.Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _dir.Dispose();
    }
}
