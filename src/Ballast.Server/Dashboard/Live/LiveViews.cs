using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ballast.Server.Dashboard.Live;

/// <summary>
/// A monitor's state as the event stream sends it (<c>event: monitor</c>): sent when its state or open incident changes,
/// and for every monitor when a dashboard connects without a position the server still knows.
/// </summary>
/// <param name="Name">The monitor's name, as in <c>data-monitor</c>.</param>
/// <param name="State">UP, DOWN, PENDING, UNKNOWN, PAUSED or MAINTENANCE (an open maintenance window wins, as in the API).</param>
/// <param name="LatencyMs">The last check's latency, when there was one.</param>
/// <param name="IncidentId">The open incident, if any.</param>
/// <param name="ChangedAt">When the state last changed.</param>
public sealed record LiveMonitorView(string Name, string State, double? LatencyMs, string? IncidentId, DateTimeOffset? ChangedAt);

/// <summary>An incident that opened, was acknowledged or resolved (<c>event: incident</c>).</summary>
/// <param name="Change"><c>opened</c>, <c>acknowledged</c> or <c>resolved</c>.</param>
/// <param name="At">When that happened (detection for an opened incident).</param>
/// <param name="By">Who acknowledged it.</param>
public sealed record LiveIncidentView(string Id, string Monitor, string Change, DateTimeOffset At, string? By);

/// <summary>
/// Sent once the dashboard is in step (<c>event: sync</c>): after the current state of every monitor (<paramref name="Full"/>)
/// or after the changes it missed since the position it gave.
/// </summary>
public sealed record LiveSyncView(bool Full);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LiveMonitorView))]
[JsonSerializable(typeof(LiveIncidentView))]
[JsonSerializable(typeof(LiveSyncView))]
public sealed partial class LiveJson : JsonSerializerContext;
