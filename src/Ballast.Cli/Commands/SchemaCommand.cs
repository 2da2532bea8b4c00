using System.CommandLine;
using Ballast.Core.Config;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast schema</c>: prints the JSON Schema of ballast.yaml for editors.</summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var command = new Command("schema", "Print the JSON Schema of ballast.yaml (docs/ballast.schema.json)");
        command.SetAction(_ =>
        {
            Console.Out.Write(ConfigSchema.Generate());
            return ExitCodes.Ok;
        });
        return command;
    }
}
