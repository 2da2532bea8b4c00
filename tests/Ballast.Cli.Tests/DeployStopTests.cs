using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ballast.Cli.Tests;

/// <summary>`ballast serve` stopping never leaves a replica behind, whatever went wrong before it stopped.</summary>
public sealed class DeployStopTests : IDisposable
{
    private readonly ProcessServiceHarness _service = new();

    [Fact]
    public async Task Serve_StoppingAfterOneServiceFailedToRestore_StopsTheOtherServicesReplicas_AndLogsWhy()
    {
        var otherPort = Ballast.Testing.TestTcpServer.ClosedPort();
        var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = PythonRelease.Versioned }, "/usr/bin/python3", "[server.py]", "", $$"""
              other:
                provider: process
                process:
                  command: /usr/bin/python3
                  args: [server.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{otherPort}}'
                  health_path: /health
                  startup_timeout: 90s
            """);
        foreach (var name in new[] { "slow", "other" })
        {
            var deploy = await BallastProcess.RunAsync(_service.Directory, "deploy", name, "--image", "r1", "--config", "ballast.yaml");
            Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        }
        await serve.TerminateAsync();
        serve.Dispose();

        // A newer Ballast recorded other's deploys with an outcome this version does not know: reading them back throws.
        using (var db = new SqliteConnection($"Data Source={Path.Combine(_service.Directory, "ballast.db")};Pooling=false"))
        {
            db.Open();
            using var garble = db.CreateCommand();
            garble.CommandText = "UPDATE deploys SET outcome = 'Promoted' WHERE service = 'other'";
            Assert.True(garble.ExecuteNonQuery() > 0);
        }

        serve = await _service.ServeAgainAsync();
        var pid = 0;
        try
        {
            await ProcessServiceHarness.UntilAsync(async () =>
            {
                var replicas = (await _service.StatusAsync()).GetProperty("replicas");
                if (replicas.GetArrayLength() == 0 || !replicas[0].GetProperty("running").GetBoolean()) return false;
                pid = replicas[0].GetProperty("pid").GetInt32();
                return true;
            }, serve);
            await ProcessServiceHarness.UntilAsync(() => Task.FromResult(serve.Stdout.Contains("other: the last release was not started again", StringComparison.Ordinal)), serve);

            await serve.TerminateAsync();

            Assert.False(Directory.Exists($"/proc/{pid}"), $"replica {pid} of slow outlived ballast serve: " + serve.Stdout + serve.Stderr);
            Assert.Equal(0, serve.ExitCode);
        }
        finally
        {
            serve.Dispose();
            if (pid != 0 && Directory.Exists($"/proc/{pid}"))
                using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        }
    }

    public void Dispose() => _service.Dispose();
}
