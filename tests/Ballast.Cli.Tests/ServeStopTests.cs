using System.Diagnostics;
using System.Net.Http.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// `ballast serve` stopped by SIGTERM: its process services stop side by side, and a second SIGTERM ends it at once;
/// either way no replica outlives it. The replicas here ignore SIGTERM, so each waits out its stop_timeout.
/// </summary>
public sealed class ServeStopTests : IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    /// <summary>A replica that notes each SIGTERM in its folder (sigterm-PID) and keeps running.</summary>
    private static readonly string Stubborn = PythonRelease.Script("""
        import signal

        def noted(signum, frame):
            open("sigterm-%d" % os.getpid(), "w").close()

        signal.signal(signal.SIGTERM, noted)

        def answer(path):
            return b"ok"
        """);

    private readonly ProcessServiceHarness _service = new();
    private readonly List<int> _pids = [];

    [Fact]
    public async Task Serve_SigtermWithTwoServicesSlowToExit_StopsThemSideBySide_InAboutOneStopTimeout()
    {
        var otherPort = TestTcpServer.ClosedPort();
        using var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = Stubborn }, "/usr/bin/python3", "[server.py]",
            $"      stop_timeout: {StopTimeout.TotalSeconds}s", $$"""
              other:
                provider: process
                process:
                  command: /usr/bin/python3
                  args: [server.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{otherPort}}'
                  health_path: /health
                  startup_timeout: 90s
                  stop_timeout: {{StopTimeout.TotalSeconds}}s
            """);
        await _service.RolloutAsync("r1");
        _service.Prepare("r1", "other");
        using (var other = await _service.Http.PostAsJsonAsync(new Uri($"http://127.0.0.1:{_service.ServerPort}/api/v1/services/other/rollouts"),
                   new { release = "r1", env = new Dictionary<string, string>() }))
            Assert.True(other.IsSuccessStatusCode, await other.Content.ReadAsStringAsync());
        _pids.Add(await PidAsync("slow"));
        _pids.Add(await PidAsync("other"));

        var stopping = Stopwatch.StartNew();
        await serve.SignalAsync();
        Assert.True(await serve.ExitsWithinAsync(TimeSpan.FromMinutes(3)), "ballast serve did not stop: " + serve.Stderr);
        var took = stopping.Elapsed;

        // One after the other, the two replicas would take at least two stop_timeouts.
        Assert.True(took >= StopTimeout - TimeSpan.FromSeconds(1), $"stopped in {took}: the replicas did not get their stop_timeout");
        Assert.True(took < StopTimeout * 2, $"stopped in {took}, not about one stop_timeout ({StopTimeout}): the services stopped one after the other");
        Assert.Equal(0, serve.ExitCode);
        foreach (var pid in _pids) Assert.False(await StillRunningAsync(pid), $"replica {pid} outlived ballast serve: " + serve.Stdout + serve.Stderr);
    }

    [Fact]
    public async Task Serve_SecondSigtermDuringASlowStop_ExitsAtOnce_AndKillsTheReplicas()
    {
        using var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = Stubborn }, "/usr/bin/python3", "[server.py]",
            "      stop_timeout: 300s\n      drain_timeout: 0s", "    scale: 2");
        await _service.RolloutAsync("r1");
        var replicas = (await _service.StatusAsync()).GetProperty("replicas");
        foreach (var replica in replicas.EnumerateArray()) _pids.Add(replica.GetProperty("pid").GetInt32());
        var folder = Path.Combine(_service.Directory, ".ballast", "releases", "slow", "r1");

        await serve.SignalAsync();
        // The stop has begun once the replicas were asked to stop; they will not, for 300 s.
        await ProcessServiceHarness.UntilAsync(() => Task.FromResult(_pids.All(pid => File.Exists(Path.Combine(folder, $"sigterm-{pid}")))), serve);
        await serve.SignalAsync();

        Assert.True(await serve.ExitsWithinAsync(TimeSpan.FromMinutes(1)), "a second SIGTERM did not end ballast serve: " + serve.Stderr);
        Assert.Equal(11, serve.ExitCode); // ExitCodes.StopForced
        Assert.Contains("killed 2 replica(s)", serve.Stderr, StringComparison.Ordinal);
        foreach (var pid in _pids) Assert.False(await StillRunningAsync(pid), $"replica {pid} outlived ballast serve: " + serve.Stdout + serve.Stderr);
    }

    private async Task<int> PidAsync(string service)
    {
        var status = System.Text.Json.JsonDocument.Parse(await _service.Http.GetStringAsync(
            new Uri($"http://127.0.0.1:{_service.ServerPort}/api/v1/services/{service}"))).RootElement;
        return status.GetProperty("replicas")[0].GetProperty("pid").GetInt32();
    }

    /// <summary>
    /// Whether <paramref name="pid"/> still runs after a generous while. A killed replica whose server exited first is
    /// reaped by whoever adopts it, so until then it may linger as a zombie, which runs nothing.
    /// </summary>
    private static async Task<bool> StillRunningAsync(int pid)
    {
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(100))
            if (!Running(pid)) return false;
        return true;
    }

    private static bool Running(int pid)
    {
        try
        {
            // /proc/PID/stat: "PID (name) STATE ..."; Z is a zombie.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var pid in _pids.Where(Running)) SystemCommand.SignalAsync(pid, "KILL").GetAwaiter().GetResult();
        _service.Dispose();
    }
}
