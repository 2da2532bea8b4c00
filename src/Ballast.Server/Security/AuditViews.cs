using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Security;

namespace Ballast.Server.Security;

/// <summary>An entry of the audit trail as <c>GET /api/v1/audit</c> lists it.</summary>
/// <param name="Who">The name authentication gave, the OS user for the CLI, or <c>anonymous</c>.</param>
/// <param name="How">The authentication scheme, <c>cli</c>, or <c>anonymous</c>.</param>
/// <param name="From">The remote address, or <c>cli@HOST</c>.</param>
/// <param name="Action">Method and route pattern, or the CLI verb and service.</param>
/// <param name="Target">The route values (<c>id=…</c>), if any.</param>
/// <param name="Outcome">The HTTP status answered, or how a CLI deploy ended.</param>
public sealed record AuditView(long Id, DateTimeOffset At, string Who, string How, string From, string Action, string? Target, string Outcome, string? Detail)
{
    public static AuditView Of(AuditEntry e) => new(e.Id, e.At, e.Who, e.How, e.From, e.Action, e.Target, e.Outcome, e.Detail);
}

/// <summary>The audit API as the server writes it and the CLI and tests read it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<AuditView>))]
public sealed partial class AuditJson : JsonSerializerContext;
