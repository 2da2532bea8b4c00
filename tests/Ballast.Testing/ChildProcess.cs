using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Ballast.Testing;

/// <summary>
/// A program run for a test with its own environment; every line it writes (stdout and stderr) is kept and can be
/// awaited. Killed with its children when disposed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _written = new(0);
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private ChildProcess(ProcessStartInfo info)
    {
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Received(e.Data);
        _process.ErrorDataReceived += (_, e) => Received(e.Data);
    }

    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        var child = new ChildProcess(info);
        child._process.Start();
        child._process.StandardInput.Close(); // as SystemCommand does: the test process's stdin is the runner's
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public int Id => _process.Id;

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public string Output => string.Join('\n', Lines);

    public bool HasExited => _process.HasExited;

    private void Received(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0) _outputClosed.TrySetResult();
        }
        else _lines.Enqueue(line);
        _written.Release();
    }

    /// <summary>Waits (real time, bounded) for a line matching <paramref name="pattern"/>; returns its match.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var line in Lines)
                if (regex.Match(line) is { Success: true } match) return match;
            if (_outputClosed.Task.IsCompleted)
                throw new InvalidOperationException($"the process ended without writing /{pattern}/; its output:\n{Output}");
            try
            {
                await _written.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no line matched /{pattern}/; the output so far:\n{Output}");
            }
        }
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        await _outputClosed.Task.WaitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Ends the process (SIGKILL) and its children.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        _written.Dispose();
    }
}
