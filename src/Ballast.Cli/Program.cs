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
};
foreach (var command in DeployCommands.Create()) root.Subcommands.Add(command);
// Termination owns Ctrl+C and SIGTERM (see there): System.CommandLine's handling is off (a null timeout), so a second
// signal or a stop past its bound ends the process after the verb's replicas are killed, not 2 s or 2 minutes in
// with them left running.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Requested);
