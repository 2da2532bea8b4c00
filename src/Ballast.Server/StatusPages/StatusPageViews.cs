using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.StatusPages;

namespace Ballast.Server.StatusPages;

/// <summary>Body of <c>POST /api/v1/status-pages/{slug}/messages</c>: state investigating (default), identified, monitoring or resolved.</summary>
public sealed record StatusMessageRequest(string? Title, string? Body, string? State, string? Incident);

/// <summary>Body of <c>POST /api/v1/status-pages/{slug}/messages/{id}/updates</c>.</summary>
public sealed record StatusUpdateRequest(string? Body, string? State);

/// <summary>A public message as the API lists it (with who wrote each update and the incident, which the public page never shows).</summary>
public sealed record StatusMessageView(string Id, string Page, string Title, string? Incident, string State, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? ResolvedAt, IReadOnlyList<StatusUpdateView> Updates)
{
    public static StatusMessageView Of(PublicMessage m) => new(m.Id, m.Page, m.Title, m.IncidentId, Name(m.State), m.CreatedAt, m.UpdatedAt, m.ResolvedAt,
        m.Updates.Select(u => new StatusUpdateView(u.Id, u.At, Name(u.State), u.Body, u.By)).ToArray());

    private static string Name(PublicMessageState state) => state.ToString().ToLowerInvariant();
}

/// <summary>One update of a public message.</summary>
public sealed record StatusUpdateView(string Id, DateTimeOffset At, string State, string Body, string By);

/// <summary>The status pages API (under /api/v1) as the server writes it and clients read it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatusMessageRequest))]
[JsonSerializable(typeof(StatusUpdateRequest))]
[JsonSerializable(typeof(StatusMessageView))]
[JsonSerializable(typeof(IReadOnlyList<StatusMessageView>))]
public sealed partial class StatusPagesJson : JsonSerializerContext;
