using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>
/// A service's secret values (every value that came from a <c>${VAR}</c> reference in its section of ballast.yaml, or
/// from its <c>env_file</c>) and the references they were written as. Files Ballast writes keep the references; text
/// Ballast shows or stores (a build's output, a failed command's message) has the values masked.
/// </summary>
public sealed class ServiceSecrets
{
    /// <summary>What a masked value shows instead.</summary>
    public const string Mask = "***";

    // Shorter values (a port, a flag) would mask unrelated text everywhere while protecting nothing.
    private const int MinimumLength = 4;

    private readonly string[] _values;
    private readonly Dictionary<string, string> _references;

    /// <summary>No secrets: masks nothing.</summary>
    public static ServiceSecrets None { get; } = new([], new Dictionary<string, string>());

    private ServiceSecrets(string[] values, Dictionary<string, string> references) => (_values, _references) = (values, references);

    /// <summary>The secrets of <paramref name="service"/> in <paramref name="config"/>, with <paramref name="env"/> its resolved environment.</summary>
    public static ServiceSecrets Of(BallastConfig config, string service, IReadOnlyDictionary<string, string> env)
    {
        var prefix = $"services.{service}.";
        var envPrefix = prefix + "env.";
        var configured = config.Services.GetValueOrDefault(service)?.Env ?? new Dictionary<string, string>();
        var values = new HashSet<string>(StringComparer.Ordinal);
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, reference) in config.References)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal)) continue;
            values.UnionWith(reference.Values);
            if (path.StartsWith(envPrefix, StringComparison.Ordinal)) references[path[envPrefix.Length..]] = reference.Text;
        }
        // What env_file gives (and env does not override) is secret by where it comes from; the file is the reference.
        foreach (var (name, value) in env)
            if (!configured.ContainsKey(name) && name is not (ServiceConfig.ReleaseVariable or ReleaseIdentity.CommitVariable))
            {
                values.Add(value);
                references[name] = $"${{{name}}}";
            }
        return new ServiceSecrets(values.Where(v => v.Length >= MinimumLength).OrderByDescending(v => v.Length).ToArray(), references);
    }

    /// <summary>Whether any secret values are known.</summary>
    public bool Any => _values.Length > 0;

    /// <summary>
    /// How the variable <paramref name="name"/> is written in files Ballast keeps: its reference as written in
    /// ballast.yaml (<c>${DATABASE_URL}</c>), <c>${NAME}</c> for a value from env_file, else the value itself (not secret).
    /// </summary>
    public string Reference(string name, string value) => _references.GetValueOrDefault(name) ?? value;

    /// <summary>Whether the variable <paramref name="name"/> holds a secret (a reference or an env_file value).</summary>
    public bool IsSecret(string name) => _references.ContainsKey(name);

    /// <summary><paramref name="text"/> with every secret value replaced by <see cref="Mask"/>, longest first.</summary>
    public string Apply(string text)
    {
        foreach (var value in _values)
            if (text.Contains(value, StringComparison.Ordinal)) text = text.Replace(value, Mask, StringComparison.Ordinal);
        return text;
    }
}
