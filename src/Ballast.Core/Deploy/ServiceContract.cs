using System.Text.Json;
using Ballast.Contracts;

namespace Ballast.Core.Deploy;

/// <summary>One variable of a service's contract.</summary>
public sealed record ContractVariable(string Name, string Kind, bool Required, long? Min, long? Max, IReadOnlyList<string>? Values)
{
    /// <summary>What is wrong with <paramref name="value"/> for this variable, or null.</summary>
    public string? Problem(string? value) => EnvContractRules.Problem(Name, Kind, Required, Min, Max, Values, value);
}

/// <summary>
/// A service's <c>ballast.contract.json</c> (DESIGN §6): what the code needs from its environment and how it reports
/// health. Written by Ballast.AspNetCore or by hand; read here to check an environment before it is deployed.
/// </summary>
public sealed record ServiceContract(
    string? Service,
    IReadOnlyList<ContractVariable> Env,
    string ReadyPath,
    string VersionPath,
    IReadOnlyList<string> Phases,
    TimeSpan? StartupTimeout)
{
    /// <summary>Reads the JSON; <paramref name="source"/> names it in errors.</summary>
    public static ServiceContract Parse(string json, string source)
    {
        ContractDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, ContractJson.Default.ContractDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(Explain(json, source, e));
        }
        if (document is null) throw new InvalidDataException($"{source}: a contract is a JSON object");
        var env = new List<ContractVariable>();
        foreach (var (name, spec) in document.Env ?? new Dictionary<string, ContractVariableEntry?>())
        {
            if (spec is null) throw new InvalidDataException($"{source}: env.{name} must be an object ({{}} for a required string)");
            var kind = spec.Kind ?? "string";
            if (!EnvContractRules.Kinds.Contains(kind))
                throw new InvalidDataException($"{source}: env.{name}.kind \"{kind}\" is not one of {string.Join(", ", EnvContractRules.Kinds)}");
            env.Add(new ContractVariable(name, kind, spec.Required != false, spec.Min, spec.Max, spec.Values));
        }
        TimeSpan? timeout = Config.Duration.TryParse(document.Startup?.Timeout, out var d) ? d : null;
        return new ServiceContract(document.Service, env, document.Endpoints?.Ready ?? "/health/ready", document.Endpoints?.Version ?? "/version",
            document.Startup?.Phases ?? [], timeout);
    }

    /// <summary>
    /// Why a document did not read as a contract, said of the part that is wrong. The reader's own message points at a
    /// position in the typed model; a person editing the file by hand needs the key.
    /// </summary>
    private static string Explain(string json, string source, JsonException error)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return $"{source}: not JSON ({e.Message})";
        }
        if (root.ValueKind != JsonValueKind.Object) return $"{source}: a contract is a JSON object";
        if (root.TryGetProperty("env", out var vars))
        {
            if (vars.ValueKind != JsonValueKind.Object) return $"{source}: \"env\" must be an object of variables";
            foreach (var v in vars.EnumerateObject().Where(v => v.Value.ValueKind != JsonValueKind.Object))
                return $"{source}: env.{v.Name} must be an object ({{}} for a required string)";
        }
        return $"{source}: {error.Path?.TrimStart('$', '.')} is not what a contract has there ({error.Message})";
    }

    /// <summary>The names of the variables <paramref name="env"/> sets (with a value): all the fingerprint needs.</summary>
    public static IReadOnlyList<string> SetNames(IReadOnlyDictionary<string, string> env) =>
        env.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();

    /// <summary>What is wrong with <paramref name="env"/> against this contract: names and reasons, never values.</summary>
    public IReadOnlyList<string> Problems(IReadOnlyDictionary<string, string> env) =>
        Env.Select(v => v.Problem(env.GetValueOrDefault(v.Name))).OfType<string>().ToArray();

    /// <summary>SHA-256 of the sorted names of the contract's variables among <paramref name="setNames"/>, as /version reports it.</summary>
    public string Fingerprint(IEnumerable<string> setNames)
    {
        var names = setNames.ToHashSet(StringComparer.Ordinal);
        return EnvContractRules.Fingerprint(Env.Select(v => v.Name), names.Contains);
    }
}
