using System.CommandLine;
using Ballast.Core.Config;

namespace Ballast.Cli.Commands;

/// <summary><c>--config FILE</c>, shared by the verbs that read ballast.yaml.</summary>
internal static class ConfigOption
{
    public static Option<string> Create() => new("--config", "-f")
    {
        Description = "Path to ballast.yaml (default: $BALLAST_CONFIG, else ./ballast.yaml)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BALLAST_CONFIG") is { Length: > 0 } env ? env : "ballast.yaml",
    };

    /// <summary>Loads the config, printing every problem to stderr; null when it is not valid.</summary>
    public static BallastConfig? Load(string path)
    {
        var result = ConfigLoader.Load(path);
        if (result.Ok) return result.Config;
        foreach (var error in result.Errors) Console.Error.WriteLine(error);
        Console.Error.WriteLine($"{result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")} in {path}");
        return null;
    }

    /// <summary>The verb's action, run with the loaded config; a config that is not valid prints its problems and exits with ConfigInvalid.</summary>
    public static void SetAction(Command command, Option<string> config, Func<BallastConfig, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, ct) => Load(parse.GetValue(config)!) is { } loaded ? await action(loaded, parse, ct) : ExitCodes.ConfigInvalid);
}
