namespace Ballast.Server.Logs.Loki;

/// <summary>One stream of a Loki push: its labels and its entries, in the order sent.</summary>
internal sealed record LokiStream(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<LokiEntry> Entries);

/// <summary>One entry of a Loki stream: its time (Loki's is nanoseconds, kept to the 100 ns a tick holds), the line, and its structured metadata.</summary>
internal readonly record struct LokiEntry(DateTimeOffset Time, string Line, IReadOnlyDictionary<string, string>? Metadata);

/// <summary>A push body that is not what Loki's push API takes; the message says what and where (<c>streams[1].values[0][0]</c>).</summary>
internal sealed class LokiPushException(string message) : Exception(message);

/// <summary>Timestamps as Loki's push API carries them.</summary>
internal static class LokiTime
{
    private static readonly long MaxNanoseconds = (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks;

    /// <summary>Unix nanoseconds as the JSON body writes them: a string of digits.</summary>
    public static DateTimeOffset FromNanosecondText(ReadOnlySpan<char> text, string where)
    {
        if (text.IsEmpty) throw new LokiPushException($"{where}: the timestamp is empty; send Unix nanoseconds as a string, e.g. \"1570818238000000000\"");
        foreach (var c in text)
            if (c is < '0' or > '9')
                throw new LokiPushException($"{where}: \"{Shorten(text)}\" is not a timestamp; send Unix nanoseconds as a string of digits, e.g. \"1570818238000000000\"");
        if (!long.TryParse(text, out var nanoseconds) || nanoseconds / 100 > MaxNanoseconds)
            throw new LokiPushException($"{where}: \"{Shorten(text)}\" is beyond the year 9999; timestamps are Unix nanoseconds");
        return DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
    }

    /// <summary>A <c>google.protobuf.Timestamp</c>: seconds and nanoseconds since the Unix epoch.</summary>
    public static DateTimeOffset FromSeconds(long seconds, int nanos, string where)
    {
        if (nanos is < 0 or > 999_999_999) throw new LokiPushException($"{where}: nanos {nanos} is outside 0..999999999");
        if (seconds < 0 || seconds > MaxNanoseconds / TimeSpan.TicksPerSecond)
            throw new LokiPushException($"{where}: {seconds} seconds is outside 1970..9999; timestamps are seconds since the Unix epoch");
        return DateTimeOffset.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanos / 100);
    }

    private static string Shorten(ReadOnlySpan<char> text) => text.Length > 40 ? $"{text[..40]}…" : text.ToString();
}
