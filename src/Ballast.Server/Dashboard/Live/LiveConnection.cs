using System.Threading.Channels;

namespace Ballast.Server.Dashboard.Live;

/// <summary>One event, formatted once for every dashboard: the SSE frame's bytes and its place in the server's order.</summary>
internal sealed record LiveFrame(long Seq, byte[] Bytes);

/// <summary>
/// What one connected dashboard has not been sent yet, coalesced by key (a monitor's name, an incident's change): a
/// browser that reads slowly gets each monitor's latest state, not a backlog, and what waits is bounded by the number of
/// monitors. Past <see cref="MaxPending"/> keys it gives up on the backlog and the stream sends the current state of
/// every monitor instead. The stream's task sleeps on a one-slot channel until something is pending: no timer, no poll.
/// </summary>
internal sealed class LiveConnection(string caller)
{
    /// <summary>Who the stream is for, as <see cref="LiveUpdates"/> counts streams per caller.</summary>
    public string Caller { get; } = caller;

    /// <summary>Keys waiting before the connection is sent the whole state instead.</summary>
    public const int MaxPending = 16_384;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LiveFrame> _latest = new(StringComparer.Ordinal);
    // Keys in the order their frames were published; an entry whose frame was replaced since is skipped when taken.
    private readonly Queue<(string Key, long Seq)> _order = new();
    private readonly Channel<byte> _doorbell = Channel.CreateBounded<byte>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private bool _heartbeatDue;
    private bool _resync;

    public void Enqueue(string key, LiveFrame frame)
    {
        lock (_lock)
        {
            // The whole state will be sent: anything queued now would be older than it.
            if (_resync) return;
            if (_latest.Count >= MaxPending && !_latest.ContainsKey(key))
            {
                _latest.Clear();
                _order.Clear();
                _resync = true;
            }
            else
            {
                _latest[key] = frame;
                _order.Enqueue((key, frame.Seq));
                if (_order.Count > 2 * _latest.Count + 1024) Compact();
            }
        }
        _doorbell.Writer.TryWrite(0);
    }

    public void RequestHeartbeat()
    {
        lock (_lock) _heartbeatDue = true;
        _doorbell.Writer.TryWrite(0);
    }

    /// <summary>Waits until something is pending (or the token ends the stream).</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        await _doorbell.Reader.WaitToReadAsync(cancellationToken);
        _doorbell.Reader.TryRead(out _);
    }

    /// <summary>Moves what is pending, oldest first, into <paramref name="frames"/>.</summary>
    /// <returns>Whether the connection fell too far behind (send the whole state), and whether a heartbeat is due.</returns>
    public (bool Resync, bool Heartbeat) Take(List<LiveFrame> frames)
    {
        lock (_lock)
        {
            while (_order.TryDequeue(out var entry))
                if (_latest.TryGetValue(entry.Key, out var frame) && frame.Seq == entry.Seq)
                {
                    frames.Add(frame);
                    _latest.Remove(entry.Key);
                }
            var result = (_resync, _heartbeatDue);
            _resync = _heartbeatDue = false;
            return result;
        }
    }

    private void Compact()
    {
        _order.Clear();
        foreach (var (key, frame) in _latest.OrderBy(p => p.Value.Seq)) _order.Enqueue((key, frame.Seq));
    }
}
