using System.Text;
using System.Text.Json;

namespace Ballast.Server.Logs.Loki;

/// <summary>
/// Reads Loki's JSON push body: <c>{"streams":[{"stream":{labels},"values":[["&lt;unix ns&gt;","line"],
/// ["&lt;unix ns&gt;","line",{structured metadata}]]}]}</c>. Read token by token rather than through a serializer
/// contract because an entry is a positional array of mixed types, and because a refusal names the exact place
/// (<c>streams[0].values[3][0]</c>) for whoever configures the shipper. Unknown properties are skipped, as Loki does.
/// </summary>
internal static class LokiJson
{
    public static IReadOnlyList<LokiStream> Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            return ReadPush(ref reader);
        }
        catch (JsonException e)
        {
            throw new LokiPushException($"the body is not JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message.Split(" LineNumber:", 2)[0]}");
        }
    }

    private static List<LokiStream> ReadPush(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new LokiPushException("the body is empty; send {\"streams\":[...]}");
        Expect(ref reader, JsonTokenType.StartObject, "the body", "an object {\"streams\":[...]}");
        List<LokiStream>? streams = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("streams"u8))
            {
                reader.Read();
                Expect(ref reader, JsonTokenType.StartArray, "streams", "an array of streams");
                streams = [];
                while (Next(ref reader) != JsonTokenType.EndArray) streams.Add(ReadStream(ref reader, $"streams[{streams.Count}]"));
            }
            else Skip(ref reader);
        }
        if (reader.Read()) throw new LokiPushException("the body goes on after its object ends");
        return streams ?? throw new LokiPushException("the body has no \"streams\" array; send {\"streams\":[{\"stream\":{...},\"values\":[[\"<unix ns>\",\"line\"]]}]}");
    }

    private static LokiStream ReadStream(ref Utf8JsonReader reader, string where)
    {
        Expect(ref reader, JsonTokenType.StartObject, where, "an object with \"stream\" and \"values\"");
        IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>();
        var entries = new List<LokiEntry>();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                labels = ReadStringMap(ref reader, $"{where}.stream");
            }
            else if (reader.ValueTextEquals("values"u8))
            {
                reader.Read();
                Expect(ref reader, JsonTokenType.StartArray, $"{where}.values", "an array of [\"<unix ns>\", \"line\"] pairs");
                while (Next(ref reader) != JsonTokenType.EndArray) entries.Add(ReadEntry(ref reader, $"{where}.values[{entries.Count}]"));
            }
            else Skip(ref reader);
        }
        return new LokiStream(labels, entries);
    }

    private static LokiEntry ReadEntry(ref Utf8JsonReader reader, string where)
    {
        Expect(ref reader, JsonTokenType.StartArray, where, "[\"<unix ns>\", \"line\"] or [\"<unix ns>\", \"line\", {structured metadata}]");
        Next(ref reader);
        Expect(ref reader, JsonTokenType.String, $"{where}[0]", "the timestamp as a string of Unix nanoseconds");
        var time = LokiTime.FromNanosecondText(reader.GetString(), $"{where}[0]");
        Next(ref reader);
        Expect(ref reader, JsonTokenType.String, $"{where}[1]", "the log line as a string");
        var line = reader.GetString()!;
        IReadOnlyDictionary<string, string>? metadata = null;
        if (Next(ref reader) != JsonTokenType.EndArray)
        {
            metadata = ReadStringMap(ref reader, $"{where}[2]");
            if (Next(ref reader) != JsonTokenType.EndArray)
                throw new LokiPushException($"{where}: an entry has at most three items: timestamp, line, structured metadata");
        }
        return new LokiEntry(time, line, metadata);
    }

    private static Dictionary<string, string> ReadStringMap(ref Utf8JsonReader reader, string where)
    {
        Expect(ref reader, JsonTokenType.StartObject, where, "an object of string values, e.g. {\"job\": \"api\"}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            Next(ref reader);
            Expect(ref reader, JsonTokenType.String, $"{where}.{name}", "a string");
            map[name] = reader.GetString()!;
        }
        return map;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new LokiPushException("the body ends in the middle of its JSON");

    private static void Skip(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (!reader.TrySkip()) throw new LokiPushException("the body ends in the middle of its JSON");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string where, string wanted)
    {
        if (reader.TokenType != type) throw new LokiPushException($"{where}: expected {wanted}, got {Describe(ref reader)}");
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Shorten(reader.GetString()!)}\"",
        JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.EndArray => "the end of the array",
        JsonTokenType.EndObject => "the end of the object",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
