using Ballast.Core.Config;
using Ballast.Core.Logs;

namespace Ballast.Server.Logs.Loki;

/// <summary>Turns a push's streams into lines per source, in the order they were sent.</summary>
internal static class LokiLines
{
    /// <summary>
    /// The lines of <paramref name="streams"/> grouped by source (<paramref name="loki"/> says which label names it).
    /// Each line's labels are its stream's, plus its structured metadata where a stream label does not say otherwise.
    /// A stream without the label and no default source makes the whole push refused (<paramref name="problem"/>), so
    /// a shipper misconfigured for one stream does not half-deliver a batch it will send again.
    /// </summary>
    public static Dictionary<string, List<LogLine>> BySource(IReadOnlyList<LokiStream> streams, LokiConfig loki, out string? problem)
    {
        problem = null;
        var bySource = new Dictionary<string, List<LogLine>>(StringComparer.Ordinal);
        for (var s = 0; s < streams.Count; s++)
        {
            var stream = streams[s];
            var source = loki.SourceOf(stream.Labels.GetValueOrDefault(loki.SourceLabel));
            if (string.IsNullOrEmpty(source))
            {
                problem = $"streams[{s}] has no {loki.SourceLabel} label to name its source (labels: {Describe(stream.Labels)}); "
                          + $"add one in the shipper's config, or set logs.loki.default_source";
                return [];
            }
            if (!bySource.TryGetValue(source, out var lines)) bySource[source] = lines = new List<LogLine>(stream.Entries.Count);
            foreach (var entry in stream.Entries)
                lines.Add(new LogLine(source, entry.Line.TrimEnd('\n', '\r'), entry.Time, Labels(stream.Labels, entry.Metadata)));
        }
        return bySource;
    }

    private static IReadOnlyDictionary<string, string> Labels(IReadOnlyDictionary<string, string> stream, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null or { Count: 0 }) return stream;
        var labels = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        foreach (var (name, value) in stream) labels[name] = value;
        return labels;
    }

    private static string Describe(IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0 ? "none" : "{" + string.Join(", ", labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}
