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
return await root.Parse(args).InvokeAsync();
