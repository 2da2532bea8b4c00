using System.Text.Json;
using Ballast.Contracts;

namespace Ballast.AspNetCore;

/// <summary>The service's <c>ballast.contract.json</c>: what it needs from its environment and how it reports health.</summary>
public static class BallastContract
{
    public const string Flag = "--ballast-contract";

    public static string ToJson(BallastHealthOptions options)
    {
        var env = new Dictionary<string, ContractVariableEntry?>(StringComparer.Ordinal);
        foreach (var r in options.Environment)
            env[r.Name] = new ContractVariableEntry(r.Kind == EnvKind.String ? null : r.KindName, r.Min, r.Max, r.Values, r.Required ? null : false);
        var contract = new ContractDocument(options.ServiceName, env,
            new ContractEndpoints("/health/live", "/health/startup", "/health/ready", "/version"),
            new ContractStartup([.. options.Phases], $"{Math.Round(options.StartupTimeout.TotalSeconds)}s"));
        return JsonSerializer.Serialize(contract, ContractJson.Default.ContractDocument) + "\n";
    }
}
