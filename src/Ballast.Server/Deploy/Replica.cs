using System.Diagnostics;
using System.Runtime.InteropServices;
using Ballast.Core.Deploy;

namespace Ballast.Server.Deploy;

/// <summary>
/// One process of a release on its own loopback port. Its output goes to a log file in the release folder and to the
/// last lines kept in memory (for post_log and the API), and each line to the log hub (as the service's log source). Stopped with SIGTERM first, so it can finish its requests.
/// </summary>
internal sealed partial class Replica(string release, int index, int port, Process process, StreamWriter log, TimeSpan stopTimeout, TimeProvider time,
    ReplicaPorts ports, LiveReplicas live) : IAsyncDisposable
{
    private const int KeptLines = 5000;
    private readonly Queue<string> _lines = new();
    private readonly StreamWriter _log = log;
    private readonly Process _process = process;
    private Action<string>? _output;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TimeSpan _stopTimeout = stopTimeout;
    private readonly TimeProvider _time = time;
    private readonly ReplicaPorts _ports = ports;
    private readonly LiveReplicas _live = live;

    public string Release { get; } = release;
    public int Index { get; } = index;
    public int Port { get; } = port;
    public int Pid => _process.Id;
    public string Destination => $"http://127.0.0.1:{Port}/";

    /// <summary>Its name in the proxy: unique even when a release is rolled out again over itself.</summary>
    public string Id => $"{Release}#{Index}@{Port}";
    public Task<int> Exited => _exited.Task;

    /// <summary>Set before a planned stop, so the exit is not taken for a crash.</summary>
    public bool Stopping { get; private set; }

    /// <param name="stopTimeout">How long it may take to exit after SIGTERM before it gets SIGKILL.</param>
    public static Replica Start(string release, int index, ReplicaPorts ports, LiveReplicas live, string directory, string command, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string> env, TimeSpan stopTimeout, TimeProvider time, Action<string>? output = null)
    {
        var port = ports.Take();
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var executable = File.Exists(Path.Combine(directory, command)) ? Path.Combine(directory, command) : command;
        var info = new ProcessStartInfo(executable)
        {
            // stdin empty, as under a service manager: a replica must not read the terminal or pipe ballast was started from.
            WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a.Replace("{port}", portText, StringComparison.Ordinal));
        // The release gets its own environment, not the server's (which holds other services' and channels' secrets):
        // only what any program needs to run is passed through.
        foreach (var (name, value) in ReleaseEnvironment.ForRelease(info.Environment.Keys.ToArray(), env))
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        info.Environment["PORT"] = portText;
        info.Environment["BALLAST_RELEASE"] = release;

        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        var log = new StreamWriter(Path.Combine(directory, "logs", $"replica-{index}-{port}.log"), append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var replica = new Replica(release, index, port, process, log, stopTimeout, time, ports, live) { _output = output };
        process.OutputDataReceived += (_, e) => replica.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => replica.Keep(e.Data);
        process.Exited += (_, _) =>
        {
            live.Remove(process);
            replica._exited.TrySetResult(process.ExitCode);
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Dispose();
            ports.Return(port);
            throw new RolloutException($"cannot start {command}: {e.Message}");
        }
        live.Add(process);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return replica;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines) _lines.Dequeue();
            _log.WriteLine(line);
        }
        _output?.Invoke(line);
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.ToArray();
        }
    }

    /// <summary>
    /// Waits until <paramref name="healthPath"/> answers 200. Fails when the process exits, or at the timeout with what
    /// the endpoint last said (the failing checks of a health+json body).
    /// </summary>
    public async Task WaitReadyAsync(HttpClient http, string healthPath, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var last = "no answer yet";
        while (true)
        {
            if (Exited.IsCompleted)
                throw new RolloutException($"replica {Index} of {Release} exited with code {Exited.Result} before it was ready; its last lines: {string.Join(" | ", Lines.TakeLast(5))}");
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Port}{healthPath}"), attempt.Token);
                if ((int)response.StatusCode == 200) return;
                var (explained, contractFails) = ReadyAnswer.Explain(await response.Content.ReadAsStringAsync(attempt.Token));
                last = $"{(int)response.StatusCode} {explained}";
                // A process's environment is fixed when it starts: a replica whose contract check fails will never be
                // ready, so waiting out startup_timeout would only delay the rollback.
                if (contractFails)
                    throw new RolloutException($"replica {Index} of {Release} can never be ready: {healthPath} answered {last}");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }
            if (time.GetElapsedTime(started) > timeout)
                throw new RolloutException($"replica {Index} of {Release} not ready after {timeout.TotalSeconds:0.#}s: {healthPath} answered {last}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    /// <summary>SIGTERM, then SIGKILL when it has not exited within its stop timeout.</summary>
    public async Task StopAsync()
    {
        Stopping = true;
        if (Exited.IsCompleted) return;
        _ = Kill(Pid, SigTerm);
        using var grace = new CancellationTokenSource(_stopTimeout, _time);
        try
        {
            await Exited.WaitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await Exited;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _live.Remove(_process);
        _ports.Return(Port);
        _process.Dispose();
        lock (_lines) _log.Dispose();
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A rollout could not complete; the message says why (what the replica said, how it exited).</summary>
public sealed class RolloutException(string message) : Exception(message);
