using CliWrap;

namespace Ballast.Core.Deploy;

/// <summary>Runs a user's command line (a checklist or build command) with <c>sh -c</c> in ballast.yaml's folder.</summary>
public static class Shell
{
    /// <summary>Shows the command and its last lines (stdout and stderr, interleaved as written); throws when it exits non-zero.</summary>
    public static async Task RunAsync(DeployContext context, string command, CancellationToken cancellationToken)
    {
        context.Reporter.Detail($"$ {command}");
        var lines = new List<string>();
        var keep = PipeTarget.ToDelegate(line =>
        {
            lock (lines) lines.Add(line);
        });
        var result = await Cli.Wrap("/bin/sh")
            .WithArguments(["-c", command])
            .WithWorkingDirectory(context.BaseDirectory)
            .WithStandardOutputPipe(keep)
            .WithStandardErrorPipe(keep)
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellationToken);
        lock (lines)
            foreach (var line in lines.TakeLast(20)) context.Reporter.Detail("  " + line);
        if (result.ExitCode != 0) throw new DeployException($"\"{command}\" exited with {result.ExitCode}");
    }
}
