using ProtoBuf;

namespace Ballast.Server.Logs.Loki;

/// <summary>
/// Reads Loki's protobuf push body (<c>Content-Type: application/x-protobuf</c>): a block-format Snappy compressed
/// <c>logproto.PushRequest</c>, the message Promtail, Grafana Alloy, Vector and Fluent Bit send by default. The
/// contracts below carry the wire numbers of Loki's public <c>push.proto</c>; fields Ballast does not use are skipped.
/// </summary>
internal static class LokiProtobuf
{
    /// <summary>The most a push may inflate to; Snappy's header says how much it will before anything is allocated.</summary>
    public const int MaxUncompressedBytes = 64 << 20;

    public static IReadOnlyList<LokiStream> Read(ReadOnlySpan<byte> body)
    {
        byte[] raw;
        try
        {
            var length = Snappier.Snappy.GetUncompressedLength(body);
            if (length > MaxUncompressedBytes)
                throw new LokiPushException($"the body would inflate to {length} bytes, more than the {MaxUncompressedBytes >> 20} MiB a push may hold; send smaller batches");
            raw = new byte[length];
            Snappier.Snappy.Decompress(body, raw);
        }
        catch (InvalidDataException e)
        {
            throw new LokiPushException($"the body is not block-format Snappy (as Loki's protobuf push is): {e.Message}");
        }
        PushRequest request;
        try
        {
            request = Serializer.Deserialize<PushRequest>(raw.AsSpan());
        }
        catch (Exception e) when (e is ProtoException or EndOfStreamException or OverflowException or InvalidOperationException or ArgumentException)
        {
            throw new LokiPushException($"the body is not a Loki PushRequest (logproto.PushRequest): {e.Message}");
        }
        var streams = new List<LokiStream>(request.Streams.Count);
        for (var s = 0; s < request.Streams.Count; s++)
        {
            var stream = request.Streams[s];
            var where = $"streams[{s}]";
            var labels = LokiLabels.Parse(stream.Labels, $"{where}.labels");
            var entries = new List<LokiEntry>(stream.Entries.Count);
            for (var e = 0; e < stream.Entries.Count; e++)
            {
                var entry = stream.Entries[e];
                var time = entry.Timestamp is { } t
                    ? LokiTime.FromSeconds(t.Seconds, t.Nanos, $"{where}.entries[{e}].timestamp")
                    : throw new LokiPushException($"{where}.entries[{e}]: the entry has no timestamp");
                Dictionary<string, string>? metadata = null;
                if (entry.StructuredMetadata.Count > 0)
                {
                    metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var pair in entry.StructuredMetadata) metadata[pair.Name ?? ""] = pair.Value ?? "";
                }
                entries.Add(new LokiEntry(time, entry.Line ?? "", metadata));
            }
            streams.Add(new LokiStream(labels, entries));
        }
        return streams;
    }

    [ProtoContract]
    internal sealed class PushRequest
    {
        [ProtoMember(1)] public List<StreamAdapter> Streams { get; } = [];
    }

    [ProtoContract]
    internal sealed class StreamAdapter
    {
        /// <summary>The stream's labels in Prometheus' text form: <c>{job="api", host="a"}</c>.</summary>
        [ProtoMember(1)] public string? Labels { get; set; }

        [ProtoMember(2)] public List<EntryAdapter> Entries { get; } = [];
    }

    [ProtoContract]
    internal sealed class EntryAdapter
    {
        [ProtoMember(1)] public Timestamp? Timestamp { get; set; }

        [ProtoMember(2)] public string? Line { get; set; }

        [ProtoMember(3)] public List<LabelPair> StructuredMetadata { get; } = [];
    }

    [ProtoContract]
    internal sealed class LabelPair
    {
        [ProtoMember(1)] public string? Name { get; set; }

        [ProtoMember(2)] public string? Value { get; set; }
    }

    /// <summary><c>google.protobuf.Timestamp</c>, read as its two fields so nanoseconds are checked rather than rounded.</summary>
    [ProtoContract]
    internal sealed class Timestamp
    {
        [ProtoMember(1)] public long Seconds { get; set; }

        [ProtoMember(2)] public int Nanos { get; set; }
    }
}
