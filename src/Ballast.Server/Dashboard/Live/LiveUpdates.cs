using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Server.Hosting;

namespace Ballast.Server.Dashboard.Live;

/// <summary>
/// Fans every monitor and incident change out to the connected dashboards. The engine tells it of state changes
/// (<see cref="IMonitorStateListener"/>) and incidents (<see cref="IIncidentListener"/>); each change is formatted once
/// and handed to every connection's coalescing queue under one lock, so all dashboards see changes in one order, the
/// order of the ids they are sent with (<c>EPOCH.SEQ</c>). A dashboard that reconnects with the last id it saw gets what
/// changed since; one whose id is from before a restart (another epoch), or older than the incident changes kept, gets
/// the state of every monitor. Streams are counted, in all and per caller, against <c>server.live_updates</c>. One timer for
/// all connections sends the heartbeat; with nothing changing, nothing else runs.
/// </summary>
public sealed class LiveUpdates : IMonitorStateListener, IIncidentListener, IDisposable
{
    /// <summary>How often a comment goes down every stream, so proxies and browsers keep an idle connection open.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long one stream lasts: at the first heartbeat after it, the stream ends and the browser reconnects (with its
    /// last id, so nothing is missed), which checks its session or token again: a signed-out or revoked caller stops
    /// receiving within this time.
    /// </summary>
    public static readonly TimeSpan MaxStreamAge = TimeSpan.FromMinutes(10);

    /// <summary>How long a browser waits before reconnecting (the stream's <c>retry:</c>).</summary>
    public static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    /// <summary>The Retry-After of a stream refused for a limit: long enough for the crowd not to retry in step.</summary>
    public static readonly TimeSpan RefusedRetryAfter = TimeSpan.FromSeconds(30);

    // Incident changes kept for replays; monitor changes are kept one per monitor (the latest).
    private const int IncidentsKept = 256;

    private readonly ConfigState _config;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly HashSet<LiveConnection> _connections = [];
    private readonly Dictionary<string, int> _perCaller = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveFrame> _monitors = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, LiveFrame Frame)> _incidents = new();
    private readonly ITimer _heartbeat;
    private long _seq;
    // The newest incident change dropped from the replay buffer: a reconnect from before it would miss it.
    private long _droppedIncident;

    public LiveUpdates(ConfigState config, TimeProvider time)
    {
        _config = config;
        _time = time;
        _heartbeat = time.CreateTimer(static s => ((LiveUpdates)s!).Heartbeat(), this, HeartbeatInterval, HeartbeatInterval);
    }

    /// <summary>This server run: ids from another run cannot be replayed.</summary>
    public string Epoch { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>
    /// The id of the last change published: a page rendered now shows at least that much, and its script asks the
    /// stream for what changed after it.
    /// </summary>
    public string Position
    {
        get
        {
            lock (_lock) return Id(_seq);
        }
    }

    /// <summary>Dashboards connected now.</summary>
    public int Connections
    {
        get
        {
            lock (_lock) return _connections.Count;
        }
    }

    void IMonitorStateListener.OnMonitorChanged(MonitorConfig monitor, MonitorStatus status) =>
        Publish("m:" + monitor.Name, "monitor", MonitorView(monitor, status), LiveJson.Default.LiveMonitorView, incident: false);

    void IIncidentListener.OnIncidentChanged(Incident incident, MonitorConfig monitor, MonitorStatus status) =>
        PublishIncident(incident.IsOpen
            ? new LiveIncidentView(incident.Id, incident.Monitor, "opened", incident.DetectedAt, null)
            : new LiveIncidentView(incident.Id, incident.Monitor, "resolved", incident.ResolvedAt!.Value, null));

    /// <summary>Someone acknowledged <paramref name="incident"/>; called by whatever records an acknowledgement.</summary>
    public void Acknowledged(Incident incident) =>
        PublishIncident(new LiveIncidentView(incident.Id, incident.Monitor, "acknowledged", incident.AcknowledgedAt ?? _time.GetUtcNow(), incident.AcknowledgedBy));

    /// <summary>A monitor as the stream shows it: an open maintenance window shows MAINTENANCE, as in the API.</summary>
    public LiveMonitorView MonitorView(MonitorConfig monitor, MonitorStatus status)
    {
        var state = Suppression.MaintenanceOf(monitor, _config.Current, _time.GetUtcNow()) is null ? status.State : MonitorState.Maintenance;
        return new LiveMonitorView(monitor.Name, state.ToString().ToUpperInvariant(), status.LastLatencyMs, status.IncidentId, status.ChangedAt);
    }

    /// <summary>
    /// Registers a dashboard of <paramref name="caller"/>, or returns null with the limit it would pass. With a
    /// <paramref name="since"/> id of this run whose changes are all still kept, what changed after it is queued for it;
    /// otherwise <c>Full</c> says the stream must first send every monitor's state, then <c>Position</c> as its id.
    /// </summary>
    internal (LiveConnection? Connection, bool Full, string Position, string? Refused) Connect(string? since, string caller)
    {
        var limits = _config.Current.Server.LiveUpdates;
        var connection = new LiveConnection(caller);
        lock (_lock)
        {
            if (_connections.Count >= limits.MaxConnections)
                return (null, false, "", $"{limits.MaxConnections} live update streams are open, the most server.live_updates.max_connections allows");
            var mine = _perCaller.GetValueOrDefault(caller);
            if (mine >= limits.MaxConnectionsPerUser)
                return (null, false, "", $"{mine} live update streams of this caller are open, the most server.live_updates.max_connections_per_user allows");
            _connections.Add(connection);
            _perCaller[caller] = mine + 1;
            if (ParseSince(since) is not { } from || from > _seq || from < _droppedIncident) return (connection, true, Id(_seq), null);
            var missed = _monitors.Select(p => (p.Key, Frame: p.Value)).Concat(_incidents).Where(p => p.Frame.Seq > from).OrderBy(p => p.Frame.Seq);
            foreach (var (key, frame) in missed) connection.Enqueue(key, frame);
            return (connection, false, Id(_seq), null);
        }
    }

    internal void Disconnect(LiveConnection connection)
    {
        lock (_lock)
        {
            if (!_connections.Remove(connection)) return;
            if (_perCaller[connection.Caller] <= 1) _perCaller.Remove(connection.Caller);
            else _perCaller[connection.Caller]--;
        }
    }

    /// <summary>One frame for a stream alone (a monitor's current state): no id, so a reconnect resumes from the last real one.</summary>
    internal static byte[] Frame<T>(string type, T data, JsonTypeInfo<T> info, string? id = null) =>
        Format(id, type, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, info));

    private void PublishIncident(LiveIncidentView view) =>
        Publish("i:" + view.Id + ":" + view.Change, "incident", view, LiveJson.Default.LiveIncidentView, incident: true);

    private void Publish<T>(string key, string type, T view, JsonTypeInfo<T> info, bool incident)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(view, info);
        lock (_lock)
        {
            var seq = ++_seq;
            var frame = new LiveFrame(seq, Format(Id(seq), type, json));
            if (incident)
            {
                _incidents.Enqueue((key, frame));
                if (_incidents.Count > IncidentsKept) _droppedIncident = _incidents.Dequeue().Frame.Seq;
            }
            else _monitors[key] = frame;
            foreach (var connection in _connections) connection.Enqueue(key, frame);
        }
    }

    private void Heartbeat()
    {
        lock (_lock)
            foreach (var connection in _connections) connection.RequestHeartbeat();
    }

    private string Id(long seq) => Epoch + "." + seq.ToString(CultureInfo.InvariantCulture);

    private long? ParseSince(string? since) =>
        since is not null && since.Length > Epoch.Length + 1 && since.StartsWith(Epoch, StringComparison.Ordinal) && since[Epoch.Length] == '.'
        && long.TryParse(since.AsSpan(Epoch.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : null;

    // The text/event-stream format (HTML, "Server-sent events"): fields, then a blank line. The JSON is one line.
    private static byte[] Format(string? id, string type, byte[] json)
    {
        var head = Encoding.UTF8.GetBytes((id is null ? "" : "id: " + id + "\n") + "event: " + type + "\ndata: ");
        var bytes = new byte[head.Length + json.Length + 2];
        head.CopyTo(bytes, 0);
        json.CopyTo(bytes, head.Length);
        bytes[^2] = (byte)'\n';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    public void Dispose() => _heartbeat.Dispose();
}
