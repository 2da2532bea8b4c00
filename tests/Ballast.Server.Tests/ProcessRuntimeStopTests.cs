using System.Globalization;
using Ballast.Core.Deploy;
using Ballast.Server.Deploy;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// The process runtime inside a real server host, stopped while a rollout holds a service's rollout lock: no replica
/// it started outlives the stop. The releases are small Python HTTP services, each a real process.
/// </summary>
public sealed class ProcessRuntimeStopTests
{
    // Each replica notes "RELEASE PID PORT" when it starts and "ready PID" when it answered its readiness check, and is
    // not ready while the gate file of its release exists.
    private static readonly string Release = PythonRelease.Script("""
        def note(line):
            with open(os.environ["STARTS"], "a") as f:
                f.write(line + "\n")

        note(f"{release} {os.getpid()} {os.environ['PORT']}")

        def answer(path):
            if path != "/health":
                return b"ok"
            if os.path.exists(os.path.join(os.environ["GATES"], "gate-" + release)):
                return (503, {}, b"held at the gate")
            note(f"ready {os.getpid()}")
            return b"ok"
        """);

    private static bool Running(int pid) => Directory.Exists($"/proc/{pid}");

    private static async Task KillAsync(int pid)
    {
        if (!Running(pid)) return;
        await SystemCommand.SignalAsync(pid, "KILL");
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !condition(); await Task.Delay(50))
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), what);
    }

    [Fact]
    public async Task Stop_WhileARestartedReplicaWaitsForTheRolloutLock_StopsThatReplica()
    {
        var port = TestTcpServer.ClosedPort();
        await using var server = await ServerHarness.StartAsync("  []", sections: $$"""
            services:
              slow:
                provider: process
                process:
                  command: /usr/bin/python3
                  args: [server.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{port}}'
                  health_path: /health
                  startup_timeout: 90s
            """);
        var folder = Path.GetDirectoryName(server.ConfigPath)!;
        var artifact = Directory.CreateDirectory(Path.Combine(folder, "artifact")).FullName;
        File.WriteAllText(Path.Combine(artifact, "server.py"), Release);
        var starts = Path.Combine(folder, "starts.log");
        var env = new Dictionary<string, string> { ["STARTS"] = starts, ["GATES"] = folder };
        string[] Lines() => File.Exists(starts) ? File.ReadAllLines(starts) : [];
        string[] Started(string release) => Lines().Where(l => l.StartsWith(release + " ", StringComparison.Ordinal)).ToArray();
        int PidOf(string line) => int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        var runtime = server.Services.GetRequiredService<ProcessRuntime>();
        var pids = new List<int>();
        try
        {
            ReleaseFiles.Prepare(runtime.ReleasesDirectory("slow"), "r1", artifact);
            await runtime.RolloutAsync("slow", new RolloutRequest("r1", env), CancellationToken.None);
            pids.Add(PidOf(Started("r1").Single()));
            File.WriteAllText(Path.Combine(folder, "gate-r1"), "");
            File.WriteAllText(Path.Combine(folder, "gate-r2"), "");

            // The replica dies and its replacement starts (held at the gate); then a rollout of r2 takes the rollout lock
            // and waits for its own replica (held too); then the replacement is ready, and waits for the lock.
            await KillAsync(pids[0]);
            await UntilAsync(() => Started("r1").Length == 2, "the dead replica was never replaced");
            var replacement = PidOf(Started("r1")[1]);
            pids.Add(replacement);
            ReleaseFiles.Prepare(runtime.ReleasesDirectory("slow"), "r2", artifact);
            var rollout = runtime.RolloutAsync("slow", new RolloutRequest("r2", env), CancellationToken.None);
            await UntilAsync(() => Started("r2").Length == 1, "the rollout of r2 started no replica");
            pids.Add(PidOf(Started("r2")[0]));
            File.Delete(Path.Combine(folder, "gate-r1"));
            await UntilAsync(() => Lines().Contains($"ready {replacement}"), "the replacement never answered ready");

            var stop = runtime.StopAsync(CancellationToken.None);
            for (var waited = System.Diagnostics.Stopwatch.StartNew(); Running(replacement) && waited.Elapsed < TimeSpan.FromSeconds(30);)
                await Task.Delay(50);
            var outlived = Running(replacement);
            // The rollout finishes, so the stop (which waits for the rollout lock) can too.
            File.Delete(Path.Combine(folder, "gate-r2"));
            await rollout;
            await stop;

            Assert.False(outlived, $"the replacement {replacement}, ready and waiting for the rollout lock, outlived the stop");
            Assert.All(pids, pid => Assert.False(Running(pid), $"replica {pid} outlived the stop"));
        }
        finally
        {
            foreach (var pid in pids) await KillAsync(pid);
        }
    }
}
