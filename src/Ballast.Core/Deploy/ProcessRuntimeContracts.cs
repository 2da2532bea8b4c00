using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Core.Deploy;

/// <summary>
/// What <c>ballast deploy</c> asks the server: run <see cref="Release"/>, a release the deployer prepared under the
/// service's releases folder (<see cref="ReleaseFiles"/>), named and never a path, with <see cref="Env"/>, whose names must
/// be exactly the service's configured ones.
/// </summary>
public sealed record RolloutRequest(string Release, IReadOnlyDictionary<string, string> Env);

/// <summary>A rollout that completed, with where its time went.</summary>
public sealed record RolloutResult(string Release, IReadOnlyList<int> Ports, double ReadyMs, double DrainMs, string? Previous);

/// <summary>A process service as it runs now.</summary>
public sealed record ServiceStatus(string Service, Uri Listen, string? Release, IReadOnlyList<ReplicaStatus> Replicas, IReadOnlyList<string> EnvNames,
    IReadOnlyList<string> Releases);

public sealed record ReplicaStatus(int Index, int Port, int Pid, int Restarts, bool Running);

/// <summary>What a release's replicas logged.</summary>
public sealed record ReleaseLogs(string Release, IReadOnlyList<string> Lines);

/// <summary>
/// The process runtime's API (under /api/v1/services) as both ends read and write it. A field the records say is
/// required or not null is refused when missing or null, and a field it does not have (an <c>artifact</c> path, say) is
/// refused by name, so a bad request is named when it is read, not met later or quietly ignored.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(RolloutRequest))]
[JsonSerializable(typeof(RolloutResult))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(ReleaseLogs))]
public sealed partial class ProcessRuntimeJson : JsonSerializerContext;
