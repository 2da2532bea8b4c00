using Ballast.Core.Deploy;
using Ballast.Server.Deploy;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>The process runtime started again (<c>ballast serve</c> restarted) brings back the last release as it was deployed.</summary>
public sealed class ProcessRuntimeRestoreTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    // Each replica notes "RELEASE COMMIT" when it starts: what its environment tells it about itself.
    private static readonly string Release = PythonRelease.Script("""
        with open(os.environ["STARTS"], "a") as f:
            f.write(f"{release} {os.environ.get('BALLAST_COMMIT', '-')}\n")

        def answer(path):
            return b"ok"
        """);

    [Fact]
    public async Task Restart_ReleaseWhoseOnlyRecordWithACommitIsOld_StartsWithThatCommit()
    {
        using var notes = new TempDirectory();
        var starts = notes.File("starts.log");
        var port = TestTcpServer.ClosedPort();
        await using var server = await ServerHarness.StartAsync("  []", sections: $$"""
            services:
              slow:
                provider: process
                env: { STARTS: '{{starts}}' }
                process:
                  command: /usr/bin/python3
                  args: [server.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{port}}'
                  health_path: /health
                  startup_timeout: 90s
            """);
        var artifact = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(server.ConfigPath)!, "artifact")).FullName;
        File.WriteAllText(Path.Combine(artifact, "server.py"), Release);
        var runtime = server.Services.GetRequiredService<ProcessRuntime>();
        ReleaseFiles.Prepare(runtime.ReleasesDirectory("slow"), "slow.1", artifact);
        await runtime.RolloutAsync("slow", new RolloutRequest("slow.1", new Dictionary<string, string> { ["STARTS"] = starts, ["BALLAST_COMMIT"] = Commit }),
            CancellationToken.None);

        // slow.1 was built from Commit; 250 failed deploys of later releases (more than any history read holds) came after it, then slow.1 was deployed
        // again by a record that does not know its commit: the live release's only commit is far back in the history.
        var store = server.Services.GetRequiredService<IDeployStore>();
        var at = new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
        async Task AddAsync(string release, DeployOutcome outcome, string? commit)
        {
            var record = new DeployRecord { Service = "slow", Release = release, Commit = commit, StartedAt = at, Who = "ci" };
            var id = await store.AddAsync(record, CancellationToken.None);
            await store.UpdateAsync(record with { Id = id, Outcome = outcome, FinishedAt = at }, CancellationToken.None);
        }
        await AddAsync("slow.1", DeployOutcome.Deployed, Commit);
        for (var i = 2; i < 252; i++) await AddAsync($"slow.{i}", DeployOutcome.RolledBack, $"{i:x40}");
        await AddAsync("slow.1", DeployOutcome.Deployed, null);

        await server.RestartAsync();

        for (var waited = System.Diagnostics.Stopwatch.StartNew(); File.ReadAllLines(starts).Length < 2; await Task.Delay(50))
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), "the restarted server never started slow.1 again");
        Assert.Equal([$"slow.1 {Commit}", $"slow.1 {Commit}"], File.ReadAllLines(starts));
    }
}
