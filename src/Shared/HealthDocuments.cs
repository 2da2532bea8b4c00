using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Contracts;

/// <summary>
/// The readiness library's answers (docs/readiness.md, the <c>application/health+json</c> draft) as they are on the
/// wire: Ballast.AspNetCore writes them with these types and Ballast.Core reads them with them (the rollout's wait for
/// ready, deploy verification), from the same source file, like <see cref="ContractDocument"/>. Nulls are written, as
/// the documented bodies show them.
/// </summary>
internal sealed record LiveDocument(string Status);

/// <summary>/health/startup: the phases reached so far and, until every expected one is, where startup stopped.</summary>
internal sealed record StartupDocument(string Status, DateTimeOffset StartedAt, IReadOnlyList<StartupPhaseEntry> Phases, string? StuckAfter);

/// <summary>One phase of /health/startup and when it was reached.</summary>
internal sealed record StartupPhaseEntry(string Phase, DateTimeOffset At);

/// <summary>/health/ready: the verdict, what failed in one line, and each check keyed <c>component:measurement</c>.</summary>
internal sealed record ReadyDocument(string Status, string? Output, string? ServiceId, string? ReleaseId,
    IReadOnlyDictionary<string, IReadOnlyList<HealthCheckEntry>>? Checks);

/// <summary>
/// One entry of <c>checks</c>: <see cref="ObservedValue"/> is a bool, a count or a duration in milliseconds when
/// written; read back it is whatever JSON the service sent.
/// </summary>
internal sealed record HealthCheckEntry(string Status, object? ObservedValue, string? Output, DateTimeOffset? Time);

/// <summary>/version: what is running, and which contract variables it got (names only, hashed).</summary>
internal sealed record VersionDocument(string? Service, string? Version, string? Release, string? Commit, DateTimeOffset StartedAt,
    string? EnvFingerprint);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LiveDocument))]
[JsonSerializable(typeof(StartupDocument))]
[JsonSerializable(typeof(ReadyDocument))]
[JsonSerializable(typeof(VersionDocument))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
internal sealed partial class HealthDocumentJson : JsonSerializerContext;
