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

    [Fact]
    public async Task History_StorageUnreadable_IsOneClearLine_NotAStackTrace()
    {
        Config();
        _dir.Write("ballast.db", "this is not a database, it only has the name of one");

        var run = await BallastProcess.RunAsync(_dir.Path, "history", "api", "--config", "ballast.yaml");

        Assert.Equal(ExitCodes.StorageFailed, run.ExitCode);
        Assert.StartsWith("ballast: the storage in server.storage failed: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ServiceAddressTaken_KeepsMonitoring_AndTheDeployIsRefusedSayingWhy()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var serverPort = TestTcpServer.ClosedPort();
        _dir.Write("ballast.yaml", $$"""
            server: { listen: 'http://127.0.0.1:{{serverPort}}', storage: 'sqlite:ballast.db' }
            services:
              api:
                provider: process
                process: { command: dotnet, args: [api.dll], artifact: out, listen: 'http://127.0.0.1:{{taken}}' }
            """);
        using var serve = BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
        using var http = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml")));
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{serverPort}/health/live")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30) && !serve.HasExited, serve.Stdout + serve.Stderr);
        }

        var run = await BallastProcess.RunAsync(_dir.Path, "deploy", "api", "--image", "api.1", "--config", "ballast.yaml");

        Assert.Equal(ExitCodes.DeployRefused, run.ExitCode);
        Assert.Contains($"ballast serve cannot run api: cannot listen on http://127.0.0.1:{taken}/", run.Stderr, StringComparison.Ordinal);
        await serve.TerminateAsync();
    }

    public void Dispose() => _dir.Dispose();
}
