using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ballast.Core.Config;

/// <summary>The result of reading ballast.yaml: a config when there were no errors, and every error otherwise.</summary>
public sealed record ConfigLoadResult(BallastConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    public bool Ok => Config is not null;

    /// <summary>The config, or a <see cref="ConfigException"/> carrying every error.</summary>
    public BallastConfig Require() => Config ?? throw new ConfigException(Errors);
}

/// <summary>Reads ballast.yaml into a validated <see cref="BallastConfig"/>.</summary>
public static class ConfigLoader
{
    /// <summary>Reads and validates a file; <paramref name="environment"/> resolves <c>${VAR}</c> (the process environment when null).</summary>
    public static ConfigLoadResult Load(string path, Func<string, string?>? environment = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, [new ConfigError(path, 1, 1, "", $"cannot read the file: {e.Message}")]);
        }
        var result = Parse(text, path, environment);
        return result.Config is null ? result : result with { Config = result.Config with { SourcePath = Path.GetFullPath(path) } };
    }

    /// <summary>Reads and validates YAML text; <paramref name="file"/> names it in errors.</summary>
    public static ConfigLoadResult Parse(string text, string file, Func<string, string?>? environment = null)
    {
        var lookup = environment ?? Environment.GetEnvironmentVariable;
        // ${BALLAST_RELEASE} is the release a deploy is verifying; it is kept as written and filled in at verify time.
        environment = name => name == ServiceConfig.ReleaseVariable ? $"${{{name}}}" : lookup(name);
        var errors = new List<ConfigError>();
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            if (stream.Documents.Count > 1)
                errors.Add(new(file, (int)stream.Documents[1].RootNode.Start.Line, 1, "", "only one YAML document is allowed (remove the extra ---)"));
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            var mark = e.Start;
            // YamlDotNet prefixes messages with the position; the error line carries it already.
            var paren = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith('(') && paren > 0) message = message[(paren + 3)..];
            return new(null, [new ConfigError(file, (int)mark.Line, (int)mark.Column, "", $"invalid YAML: {message}")]);
        }
        if (root is null or YamlScalarNode { Value: null or "" })
            return new(null, [new ConfigError(file, 1, 1, "", "the file is empty; see samples/configs/ for a start")]);

        var binder = new ConfigBinder(file, environment, errors);
        var config = binder.Bind(root, typeof(BallastConfig), "") is BallastConfig bound ? bound with { References = binder.References } : null;
        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return errors.Count == 0 && config is not null ? new(config, errors) : new(null, errors);
    }
}
