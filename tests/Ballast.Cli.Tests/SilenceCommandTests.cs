using Ballast.Core.Config;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;

namespace Ballast.Cli.Tests;

/// <summary><c>ballast silence</c> and <c>ballast ack</c> against a real server on loopback.</summary>
public sealed class SilenceCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private WebApplication _server = null!;
    private string _config = null!;

    public async ValueTask InitializeAsync()
    {
        _config = _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{TestTcpServer.ClosedPort()}}", storage: "sqlite:ballast.db" }
            monitors:
              - { name: nightly, type: heartbeat, period: 1h }
            """);
        _server = BallastServer.Build(ConfigLoader.Load(_config).Require(), configureLogging: _ => { });
        await _server.StartAsync();
    }

    [Fact]
    public async Task Silence_AddListExpire()
    {
        var add = await BallastProcess.RunAsync(_dir.Path, "silence", "add", "--match", "night*", "--for", "2h", "--reason", "restore drill", "--by", "carol", "--config", _config);
        Assert.Equal(ExitCodes.Ok, add.ExitCode);
        Assert.StartsWith("silenced night* until ", add.Stdout);
        var id = add.Stdout.Trim().Split("(id ")[1].TrimEnd(')');

        var list = await BallastProcess.RunAsync(_dir.Path, "silence", "list", "--config", _config);
        Assert.Contains($"{id}  night*", list.Stdout);
        Assert.Contains("by carol: restore drill", list.Stdout);

        var expire = await BallastProcess.RunAsync(_dir.Path, "silence", "expire", id, "--config", _config);
        var again = await BallastProcess.RunAsync(_dir.Path, "silence", "expire", id, "--config", _config);
        Assert.Equal(ExitCodes.Ok, expire.ExitCode);
        Assert.Equal(ExitCodes.NotFound, again.ExitCode);
        Assert.Contains($"no unexpired silence with id \"{id}\"", again.Stderr);
    }

    [Fact]
    public async Task Silence_BadDuration_Exits2WithTheReason()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "silence", "add", "--match", "x", "--for", "soon", "--reason", "r", "--config", _config);

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains("give for (a duration such as 2h) or endsAt; got for=\"soon\"", run.Stderr);
    }

    [Fact]
    public async Task Ack_UnknownIncident_Exits4()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "ack", "no-such-incident", "--config", _config);

        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains("no open incident with id \"no-such-incident\"", run.Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
