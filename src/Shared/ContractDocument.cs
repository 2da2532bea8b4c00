using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Contracts;

/// <summary>
/// <c>ballast.contract.json</c> (DESIGN §6) as it is on the wire: Ballast.AspNetCore writes it with these types and
/// Ballast.Core reads it with them, from the same source file (see <see cref="EnvContractRules"/>). Teams in other
/// languages write it by hand, so every part is optional here and the reader supplies the defaults.
/// </summary>
internal sealed record ContractDocument(
    string? Service,
    IReadOnlyDictionary<string, ContractVariableEntry?>? Env,
    ContractEndpoints? Endpoints,
    ContractStartup? Startup);

/// <summary>One variable: no <c>kind</c> means a string; <c>required</c> is written only when false.</summary>
internal sealed record ContractVariableEntry(string? Kind = null, long? Min = null, long? Max = null, IReadOnlyList<string>? Values = null,
    bool? Required = null);

/// <summary>Where the service answers each health question.</summary>
internal sealed record ContractEndpoints(string? Live, string? Startup, string? Ready, string? Version);

/// <summary>The phases startup logs in order, and how long it may take ("60s").</summary>
internal sealed record ContractStartup(IReadOnlyList<string>? Phases, string? Timeout);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContractDocument))]
internal sealed partial class ContractJson : JsonSerializerContext;
