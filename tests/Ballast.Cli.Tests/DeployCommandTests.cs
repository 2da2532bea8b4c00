using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>`ballast deploy` refusing before anything changes, as a user sees it.</summary>
public sealed class DeployCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private void Config() => _dir.Write("ballast.yaml", $$"""
        server: { listen: 'http://127.0.0.1:{{TestTcpServer.ClosedPort()}}', storage: 'sqlite:ballast.db' }
        services:
          api:
            provider: process
            process: { command: dotnet, args: [api.dll], artifact: out, listen: 'http://127.0.0.1:{{TestTcpServer.ClosedPort()}}' }
        """);

    [Fact]
    public async Task Deploy_UnknownService_IsRefused_NamingTheServicesThereAre()
    {
        Config();
        var run = await BallastProcess.RunAsync(_dir.Path, "deploy", "web", "--config", "ballast.yaml");

        Assert.Equal(ExitCodes.DeployRefused, run.ExitCode);
        Assert.Contains("no service named \"web\" (services are api)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_ProcessServiceWithoutARunningServer_IsRefusedAtPreflight_SayingHowToStartIt()
    {
        Config();
        var run = await BallastProcess.RunAsync(_dir.Path, "deploy", "api", "--image", "api.1", "--config", "ballast.yaml");

        Assert.Equal(ExitCodes.DeployRefused, run.ExitCode);
        Assert.Contains("✘ preflight", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("ballast serve is not answering", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("refused: nothing was changed", run.Stderr, StringComparison.Ordinal);
        var history = await BallastProcess.RunAsync(_dir.Path, "history", "api", "--json", "--config", "ballast.yaml");
        Assert.Contains("\"outcome\": \"Refused\"", history.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
