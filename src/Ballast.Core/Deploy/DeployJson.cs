using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Core.Deploy;

/// <summary>
/// Deploy records and backups as <c>GET /api/v1/services/NAME/deploys|backups</c> and <c>ballast history --json</c>
/// both write them: one shape, outcomes by name.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeployRecord))]
[JsonSerializable(typeof(IReadOnlyList<DeployRecord>))]
[JsonSerializable(typeof(IReadOnlyList<StoredBackup>))]
public sealed partial class DeployJson : JsonSerializerContext;
