using System.CommandLine;
using Ballast.Cli.Commands;

var root = new RootCommand("Ballast keeps HTTP services up: outside monitoring, incidents, alerts and uptime.")
{
    ServeCommand.Create(),
    CheckCommand.Create(),
    ProbeCommand.Create(),
    SchemaCommand.Create(),
    AckCommand.Create(),
    AlertCommand.Create(),
    SilenceCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
