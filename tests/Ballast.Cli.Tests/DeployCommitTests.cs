using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// A process release built from a known commit gets <c>BALLAST_COMMIT</c> whenever it is started again: by a restarted
/// `ballast serve` and by a rollback to it. The release reports only what its environment tells it.
/// </summary>
public sealed class DeployCommitTests : IDisposable
{
    private const string FirstCommit = "1111111111111111111111111111111111111111";
    private const string SecondCommit = "2222222222222222222222222222222222222222";

    private readonly ProcessServiceHarness _service = new();

    private Task<BallastProcess> ServeAsync() =>
        _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = PythonRelease.Versioned }, "/usr/bin/python3", "[server.py]", "",
            "    build: { command: 'true', commit: '${GIT_SHA:-}' }");

    /// <summary>Builds and deploys the next release, as CI would with the commit it checked out.</summary>
    private async Task DeployBuiltFromAsync(string commit)
    {
        var deploy = await BallastProcess.RunAsync(_service.Directory, ["deploy", "slow", "--config", "ballast.yaml"],
            new Dictionary<string, string> { ["GIT_SHA"] = commit });
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
    }

    private async Task<(string? Release, string? Commit)> VersionAsync()
    {
        var version = JsonDocument.Parse(await _service.Http.GetStringAsync(_service.ServiceUrl("/version"))).RootElement;
        return (version.GetProperty("release").GetString(), version.GetProperty("commit").GetString());
    }

    [Fact]
    public async Task Serve_Restarted_StartsTheLastReleaseAgain_WithTheCommitItWasBuiltFrom()
    {
        var serve = await ServeAsync();
        try
        {
            await DeployBuiltFromAsync(FirstCommit);
            Assert.Equal(("slow.1", FirstCommit), await VersionAsync());
            await serve.TerminateAsync();
            serve.Dispose();

            serve = await _service.ServeAgainAsync();
            await ProcessServiceHarness.UntilAsync(async () =>
            {
                var replicas = (await _service.StatusAsync()).GetProperty("replicas");
                return replicas.GetArrayLength() > 0 && replicas.EnumerateArray().All(r => r.GetProperty("running").GetBoolean());
            }, serve);

            Assert.Equal(("slow.1", FirstCommit), await VersionAsync());
            await serve.TerminateAsync();
        }
        finally
        {
            serve.Dispose();
        }
    }

    [Fact]
    public async Task Rollback_ToAReleaseBuiltFromACommit_StartsItsReplicasWithThatCommit()
    {
        using var serve = await ServeAsync();
        await DeployBuiltFromAsync(FirstCommit);
        await DeployBuiltFromAsync(SecondCommit);
        Assert.Equal(("slow.2", SecondCommit), await VersionAsync());

        var rollback = await BallastProcess.RunAsync(_service.Directory, "rollback", "slow", "--config", "ballast.yaml");

        Assert.True(rollback.ExitCode == 0, rollback.Stderr);
        Assert.Equal(("slow.1", FirstCommit), await VersionAsync());
        await serve.TerminateAsync();
    }

    public void Dispose() => _service.Dispose();
}
