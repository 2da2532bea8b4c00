using System.CommandLine;
using Ballast.Cli;
using Ballast.Cli.Commands;

using var termination = new Termination(TimeProvider.System);
var root = new RootCommand("Ballast keeps HTTP services up: outside monitoring, incidents, alerts, uptime, and deploys that verify and roll back.")
{
    ServeCommand.Create(termination),
    CheckCommand.Create(),
    ProbeCommand.Create(),
    SchemaCommand.Create(),
    AckCommand.Create(),
    AlertCommand.Create(),
    SilenceCommand.Create(),
    AuditCommand.Create(),
    ReportCommand.Create(),
    UserCommand.Create(),
    TokenCommand.Create(),
    new Command("logs", "Work with log files: scan them with log rules") { LogsScanCommand.Create() },
};
foreach (var command in DeployCommands.Create()) root.Subcommands.Add(command);
// Termination owns Ctrl+C, SIGTERM and SIGQUIT (see there). System.CommandLine's own handling is off (a null timeout):
// at its timeout it would return from Main with serve's replicas still running.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Requested);
