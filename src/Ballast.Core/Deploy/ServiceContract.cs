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
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not JSON ({e.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: a contract is a JSON object");
        var env = new List<ContractVariable>();
        if (root.TryGetProperty("env", out var vars))
        {
            if (vars.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: \"env\" must be an object of variables");
            foreach (var v in vars.EnumerateObject())
            {
                var spec = v.Value;
                if (spec.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: env.{v.Name} must be an object ({{}} for a required string)");
                var kind = spec.TryGetProperty("kind", out var k) ? k.GetString() ?? "string" : "string";
                if (!EnvContractRules.Kinds.Contains(kind))
                    throw new InvalidDataException($"{source}: env.{v.Name}.kind \"{kind}\" is not one of string, int, url, bool, enum");
                env.Add(new ContractVariable(v.Name, kind,
                    !spec.TryGetProperty("required", out var r) || r.ValueKind != JsonValueKind.False,
                    spec.TryGetProperty("min", out var min) ? min.GetInt64() : null,
                    spec.TryGetProperty("max", out var max) ? max.GetInt64() : null,
                    spec.TryGetProperty("values", out var values) ? values.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : null));
            }
        }
        var endpoints = root.TryGetProperty("endpoints", out var e2) && e2.ValueKind == JsonValueKind.Object ? e2 : default;
        string Endpoint(string name, string fallback) =>
            endpoints.ValueKind == JsonValueKind.Object && endpoints.TryGetProperty(name, out var p) && p.GetString() is { } path ? path : fallback;
        var startup = root.TryGetProperty("startup", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var phases = startup.ValueKind == JsonValueKind.Object && startup.TryGetProperty("phases", out var ph)
            ? ph.EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
            : [];
        TimeSpan? timeout = startup.ValueKind == JsonValueKind.Object && startup.TryGetProperty("timeout", out var t)
            && Config.Duration.TryParse(t.GetString(), out var d) ? d : null;
        return new ServiceContract(root.TryGetProperty("service", out var svc) ? svc.GetString() : null, env,
            Endpoint("ready", "/health/ready"), Endpoint("version", "/version"), phases, timeout);
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
