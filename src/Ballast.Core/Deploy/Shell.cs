using System.Diagnostics;
using System.Text;

namespace Ballast.Core.Deploy;

/// <summary>Runs a command line with <c>sh -c</c>, keeping its output (stdout and stderr, interleaved as written).</summary>
public static class Shell
{
    public static async Task<(int ExitCode, IReadOnlyList<string> Output)> RunAsync(string command, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var lines = new List<string>();
        using var process = new Process { StartInfo = info };
        void Keep(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
        }
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DeployException($"cannot run /bin/sh: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        process.WaitForExit(); // drains the output events
        lock (lines) return (process.ExitCode, lines.ToArray());
    }
}
