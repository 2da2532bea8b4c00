using System.Diagnostics;
using System.Globalization;

namespace Ballast.Testing;

/// <summary>
/// Programs a test starts (ballast, replicas' helpers, chattr, mount, su, kill) get an empty stdin: the test process's
/// own stdin carries the test runner's acknowledgements (tests/xunit.runner.json, synchronous message reporting), and
/// a child that inherited it could read one and stall the run.
/// </summary>
public static class SystemCommand
{
    /// <summary>Starts <paramref name="info"/> with its stdin closed, after <paramref name="stdin"/> is written to it when given.</summary>
    public static Process Start(ProcessStartInfo info, string? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Runs a command to completion (at most two minutes); throws with what it wrote when it exits non-zero.</summary>
    public static async Task RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Start(info);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
    }

    /// <summary>Sends <paramref name="signal"/> (KILL, TERM, INT) to <paramref name="pid"/> as <c>kill</c> does; false when no such process was there.</summary>
    public static async Task<bool> SignalAsync(int pid, string signal)
    {
        var info = new ProcessStartInfo("kill") { RedirectStandardError = true };
        info.ArgumentList.Add("-" + signal);
        info.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Start(info);
        await kill.StandardError.ReadToEndAsync();
        await kill.WaitForExitAsync();
        return kill.ExitCode == 0;
    }
}
