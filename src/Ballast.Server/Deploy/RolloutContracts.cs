namespace Ballast.Server.Deploy;

/// <summary>What the CLI asks for: run <see cref="Release"/> with <see cref="Env"/>, its files copied from <see cref="Artifact"/> when new.</summary>
public sealed record RolloutRequest(string Release, IReadOnlyDictionary<string, string> Env, string? Artifact);

/// <summary>A rollout that completed, with where its time went.</summary>
public sealed record RolloutResult(string Release, IReadOnlyList<int> Ports, double ReadyMs, double DrainMs, string? Previous);

/// <summary>A process service as it runs now.</summary>
public sealed record ServiceStatus(string Service, Uri Listen, string? Release, IReadOnlyList<ReplicaStatus> Replicas, IReadOnlyList<string> EnvNames,
    IReadOnlyList<string> Releases);

public sealed record ReplicaStatus(int Index, int Port, int Pid, int Restarts, bool Running);
