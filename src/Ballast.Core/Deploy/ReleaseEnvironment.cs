using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>The environment a release is deployed with: the service's <c>env_file</c>, then its <c>env</c> on top.</summary>
public static class ReleaseEnvironment
{
    public static Dictionary<string, string> Resolve(ServiceConfig service, string baseDirectory)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (service.EnvFile is { } file)
        {
            var path = Path.GetFullPath(file, baseDirectory);
            if (!File.Exists(path)) throw new DeployException($"env_file {path} does not exist");
            var lineNumber = 0;
            foreach (var raw in File.ReadLines(path))
            {
                lineNumber++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                var name = eq > 0 ? line[..eq].Trim() : "";
                if (!EnvironmentSubstitution.IsName(name)) throw new DeployException($"{path}:{lineNumber}: expected NAME=value");
                var value = line[(eq + 1)..].Trim();
                if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
                env[name] = value;
            }
        }
        foreach (var (name, value) in service.Env) env[name] = value;
        return env;
    }

    private static readonly string[] Passed = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"];

    /// <summary>
    /// Whether a variable of the process starting a release (the server, or the deployer asking for its contract)
    /// reaches the release: only what any program needs to run does. The rest (other services' and channels'
    /// secrets, the deployer's own credentials) stays where it is.
    /// </summary>
    public static bool Inherited(string name) => Passed.Contains(name, StringComparer.Ordinal)
        || (name.StartsWith("DOTNET_", StringComparison.Ordinal) && name != "DOTNET_URLS");

    /// <summary>The variables to remove from <paramref name="current"/> and those to set, so a release runs with <paramref name="env"/> only.</summary>
    public static IReadOnlyDictionary<string, string?> ForRelease(IEnumerable<string> current, IReadOnlyDictionary<string, string> env)
    {
        var result = current.Where(n => !Inherited(n)).ToDictionary(n => n, _ => (string?)null, StringComparer.Ordinal);
        foreach (var (name, value) in env) result[name] = value;
        return result;
    }
}

/// <summary>A deploy step failed for a reason the user can act on; the message says what and where.</summary>
public sealed class DeployException(string message) : Exception(message);
