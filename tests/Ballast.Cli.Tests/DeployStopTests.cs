using System.Globalization;
using System.Net.Http.Json;
using Ballast.Testing;
using Microsoft.Data.Sqlite;

namespace Ballast.Cli.Tests;

/// <summary>
/// No replica outlives what started it: a rollout that fails for any reason stops the replicas it started, and
/// `ballast serve` stopping stops every replica, whatever went wrong before it stopped.
/// </summary>
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

        // A newer Ballast recorded other's deploys in a shape this version cannot read: reading them back throws.
        using (var db = new SqliteConnection($"Data Source={Path.Combine(_service.Directory, "ballast.db")};Pooling=false"))
        {
            db.Open();
            using var garble = db.CreateCommand();
            garble.CommandText = "UPDATE deploys SET steps = '{\"v2\": ' WHERE service = 'other'";
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

            await StopsWithAsync(serve, pid);
        }
        finally
        {
            serve.Dispose();
            await KillAsync(pid);
        }
    }

    private static bool Running(int pid) => Directory.Exists($"/proc/{pid}");

    private static async Task KillAsync(int pid)
    {
        if (pid == 0 || !Running(pid)) return;
        await SystemCommand.SignalAsync(pid, "KILL");
    }

    /// <summary>Stops the server with SIGTERM: it exits 0, and replica <paramref name="pid"/> with it.</summary>
    private static async Task StopsWithAsync(BallastProcess serve, int pid)
    {
        await serve.TerminateAsync();
        Assert.False(Running(pid), $"replica {pid} outlived ballast serve (exit {serve.ExitCode}): " + serve.Stdout + serve.Stderr);
        Assert.Equal(0, serve.ExitCode);
    }

    private Task<HttpResponseMessage> StartRolloutAsync(string release, Dictionary<string, string>? env = null)
    {
        _service.Prepare(release);
        return _service.Http.PostAsJsonAsync(_service.Api("/rollouts"), new { release, env = env ?? [] });
    }

    [Fact]
    public async Task Serve_Stopped_WaitsForAReplicaSlowToExit_AndKillsItAtStopTimeout()
    {
        // A release that takes its time to shut down (here: forever) after SIGTERM.
        var release = PythonRelease.Script("""
            import signal
            signal.signal(signal.SIGTERM, signal.SIG_IGN)

            def answer(path):
                return b"ok"
            """);
        var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = release }, "/usr/bin/python3", "[server.py]", "      stop_timeout: 5s");
        var pid = 0;
        try
        {
            await _service.RolloutAsync("r1");
            pid = (await _service.StatusAsync()).GetProperty("replicas")[0].GetProperty("pid").GetInt32();

            await StopsWithAsync(serve, pid);
        }
        finally
        {
            serve.Dispose();
            await KillAsync(pid);
        }
    }

    [Fact]
    public async Task Rollout_OneReplicaFailingOutsideHttp_StopsTheOtherReplicaItStarted()
    {
        // Two replicas: the first to start is ready at once; the other answers its readiness check with a character set
        // nobody knows, so reading the answer fails with an error that is neither HTTP's nor the rollout's.
        var release = PythonRelease.Script("""
            def claim():
                try:
                    fd = os.open("first-replica.pid", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return False
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                return True

            first = claim()

            def answer(path):
                return b"ok" if first else (503, {"Content-Type": "text/plain; charset=no-such-charset"}, b"starting")
            """);
        using var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = release }, "/usr/bin/python3", "[server.py]", "", "    scale: 2");
        var pidFile = Path.Combine(_service.Directory, ".ballast", "releases", "slow", "r1", "first-replica.pid");
        var pid = 0;
        try
        {
            using var response = await StartRolloutAsync("r1");

            Assert.False(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
            Assert.False(Running(pid), $"replica {pid}, ready, outlived the rollout that failed: " + serve.Stdout);
            Assert.Equal(0, (await _service.StatusAsync()).GetProperty("replicas").GetArrayLength());
            await serve.TerminateAsync();
        }
        finally
        {
            await KillAsync(pid);
        }
    }

    public void Dispose() => _service.Dispose();
}
