using System.CommandLine;
using Ballast.Cli.Commands;

var root = new RootCommand("Ballast keeps HTTP services up: outside monitoring, incidents, alerts, uptime, and deploys that verify and roll back.")
{
    ServeCommand.Create(),
    CheckCommand.Create(),
    ProbeCommand.Create(),
    SchemaCommand.Create(),
    AckCommand.Create(),
    AlertCommand.Create(),
    SilenceCommand.Create(),
};
foreach (var command in DeployCommands.Create()) root.Subcommands.Add(command);
// On SIGTERM or Ctrl+C a verb gets its cancellation and finishes what it must: `ballast serve` drains and stops every
// replica (SIGKILL only after stop_timeout, 10 s by default), a deploy records how far it got. System.CommandLine's
// default of 2 s would end the process in the middle of that and leave replicas running; the host's own shutdown
// timeout and each service's timeouts bound the wait instead, and this only catches a stop that hangs.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(2) });
