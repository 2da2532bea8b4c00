using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Alerting;

namespace Ballast.Server.Alerting;

/// <summary>A notification as the API lists it.</summary>
public sealed record NotificationView(string Id, string Channel, string Kind, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt, DateTimeOffset? DeliveredAt, string? LastError, string? Response, string Subject, IReadOnlyList<string> Incidents);

/// <summary>Body of <c>POST /api/v1/silences</c>: <c>for</c> (a duration) or <c>endsAt</c>.</summary>
public sealed record SilenceRequest(string? Match, string? For, DateTimeOffset? EndsAt, string? Reason, string? By);

/// <summary>A silence as the API lists it.</summary>
public sealed record SilenceView(string Id, string Match, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Reason, string CreatedBy,
    DateTimeOffset? ExpiredAt, bool Active)
{
    public static SilenceView Of(Silence s, DateTimeOffset now) => new(s.Id, s.Match, s.StartsAt, s.EndsAt, s.Reason, s.CreatedBy, s.ExpiredAt, s.IsActive(now));
}

/// <summary>The alerting API (under /api/v1) as the server writes it and the CLI and tests read it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<NotificationView>))]
[JsonSerializable(typeof(SilenceRequest))]
[JsonSerializable(typeof(SilenceView))]
[JsonSerializable(typeof(IReadOnlyList<SilenceView>))]
public sealed partial class AlertingJson : JsonSerializerContext;
