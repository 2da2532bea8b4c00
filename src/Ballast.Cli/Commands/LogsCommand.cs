using System.CommandLine;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast logs ...</c>: the verbs of log watching.</summary>
internal static class LogsCommand
{
    public static Command Create() => new("logs", "Log watching: send lines to the running server, follow what it accepts, scan files with rules")
    {
        LogsIngestCommand.Create(),
        LogsTailCommand.Create(),
        LogsScanCommand.Create(),
    };
}
