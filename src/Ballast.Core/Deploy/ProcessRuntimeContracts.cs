using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Core.Deploy;

/// <summary>What <c>ballast deploy</c> asks the server: run <see cref="Release"/> with <see cref="Env"/>, its files copied from <see cref="Artifact"/> when new.</summary>
public sealed record RolloutRequest(string Release, IReadOnlyDictionary<string, string> Env, string? Artifact = null);

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
/// required or not null is refused when missing or null, so a bad request is named when it is read, not met later.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RolloutRequest))]
[JsonSerializable(typeof(RolloutResult))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(ReleaseLogs))]
public sealed partial class ProcessRuntimeJson : JsonSerializerContext;
