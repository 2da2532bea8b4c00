using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Server.Hosting;

/// <summary>
/// Ballast's own /health/live and /health/ready body (application/health+json), in the shape it asks of the services
/// it watches; <see cref="Checks"/> is left out of /health/live.
/// </summary>
public sealed record HealthView(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, IReadOnlyList<HealthCheckView>>? Checks = null);

/// <summary>One entry of <c>checks</c>: <see cref="ObservedValue"/> is a bool or a count; a failing loop adds when it failed and restarts.</summary>
public sealed record HealthCheckView(
    string Status,
    object ObservedValue,
    string? Output = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? Time = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RestartAt = null);

/// <summary>Ballast's health endpoints as the server writes them and whoever watches Ballast reads them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
public sealed partial class HealthJson : JsonSerializerContext;
