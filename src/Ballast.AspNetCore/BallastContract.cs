using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ballast.AspNetCore;

/// <summary>The service's <c>ballast.contract.json</c>: what it needs from its environment and how it reports health.</summary>
public static class BallastContract
{
    public const string Flag = "--ballast-contract";

    public static string ToJson(BallastHealthOptions options)
    {
        var env = new JsonObject();
        foreach (var r in options.Environment)
        {
            var entry = new JsonObject();
            if (r.Kind != EnvKind.String) entry["kind"] = r.KindName;
            if (r.Min is { } min) entry["min"] = min;
            if (r.Max is { } max) entry["max"] = max;
            if (r.Values is { } values) entry["values"] = new JsonArray(values.Select(v => (JsonNode)v!).ToArray());
            if (!r.Required) entry["required"] = false;
            env[r.Name] = entry;
        }
        var contract = new JsonObject
        {
            ["service"] = options.ServiceName,
            ["env"] = env,
            ["endpoints"] = new JsonObject { ["live"] = "/health/live", ["startup"] = "/health/startup", ["ready"] = "/health/ready", ["version"] = "/version" },
            ["startup"] = new JsonObject
            {
                ["phases"] = new JsonArray(options.Phases.Select(p => (JsonNode)p!).ToArray()),
                ["timeout"] = $"{Math.Round(options.StartupTimeout.TotalSeconds)}s",
            },
        };
        return contract.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
