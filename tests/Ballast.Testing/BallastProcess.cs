using System.Diagnostics;
using System.Text;

namespace Ballast.Testing;

/// <summary>
/// The real <c>ballast</c> command run as a child process: the ballast.dll built beside the tests, so a test project that
/// uses it references src/Ballast.Cli/Ballast.Cli.csproj.
/// </summary>
public sealed class BallastProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private BallastProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public int ExitCode => _process.ExitCode;
    public bool HasExited => _process.HasExited;

    public static BallastProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, args, null);

    /// <param name="environment">Variables to add to the child's environment.</param>
    /// <param name="stdin">Written to the child's standard input, which is then closed (it is closed at once when null).</param>
    public static BallastProcess Start(string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment, string? stdin = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ballast.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        return new BallastProcess(SystemCommand.Start(info, stdin));
    }

    /// <summary>Runs to completion (bounded) and returns the exit code.</summary>
    public static Task<BallastProcess> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, args, null);

    /// <param name="environment">Variables to add to the child's environment.</param>
    /// <param name="stdin">Written to the child's standard input, which is then closed.</param>
    public static async Task<BallastProcess> RunAsync(string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment,
        string? stdin = null)
    {
        var p = Start(workingDirectory, args, environment, stdin);
        // Generous: a deploy waits for replicas that start slowly on a loaded machine.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await p._process.WaitForExitAsync(timeout.Token);
        p._process.WaitForExit(); // drains the output readers
        return p;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, without waiting for what it does.</summary>
    public async Task SignalAsync()
    {
        await SystemCommand.SignalAsync(_process.Id, "TERM");
    }

    /// <summary>Waits for the exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> ExitsWithinAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        _process.WaitForExit(); // drains the output readers
        return true;
    }

    /// <summary>SIGTERM, as a service manager stops it; waits for the exit.</summary>
    public async Task TerminateAsync()
    {
        await SystemCommand.SignalAsync(_process.Id, "TERM");
        // As long as the server may take to stop: its monitoring waits up to 30 s for storage to take the last results.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
