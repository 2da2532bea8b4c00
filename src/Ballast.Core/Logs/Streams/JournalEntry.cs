using System.Text;
using System.Text.Json;

namespace Ballast.Core.Logs.Streams;

/// <summary>
/// One line of <c>journalctl -o json</c>: an object of the entry's fields, values as strings, except a value that is
/// not UTF-8 (an array of byte numbers), a field with several values (an array of strings) and one over 4096 bytes
/// (null, unless --all).
/// </summary>
internal static class JournalEntry
{
    private static readonly string[] PriorityNames = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    public static bool TryRead(string json, string source, string unit, out LogLine line, out string? cursor, out string problem)
    {
        line = null!;
        cursor = null;
        problem = "";
        try
        {
            using var document = JsonDocument.Parse(json);
            var entry = document.RootElement;
            if (entry.ValueKind != JsonValueKind.Object)
            {
                problem = "not a JSON object";
                return false;
            }
            cursor = Text(entry, "__CURSOR");
            if (Text(entry, "__REALTIME_TIMESTAMP") is not { } micros || !long.TryParse(micros, out var microseconds) || microseconds < 0
                || microseconds > (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks / 10)
            {
                problem = $"no __REALTIME_TIMESTAMP in microseconds (cursor {cursor ?? "none"})";
                return false;
            }
            var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["unit"] = Text(entry, "_SYSTEMD_UNIT") ?? unit };
            if (Text(entry, "_PID") is { } pid) labels["pid"] = pid;
            if (Text(entry, "PRIORITY") is { } priority)
            {
                labels["priority"] = priority;
                if (int.TryParse(priority, out var level) && level is >= 0 and <= 7) labels["level"] = PriorityNames[level];
            }
            if (Text(entry, "_HOSTNAME") is { } host) labels["host"] = host;
            var message = Text(entry, "MESSAGE") ?? "";
            line = new LogLine(source, message.TrimEnd('\n', '\r'), DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10), labels);
            return true;
        }
        catch (JsonException e)
        {
            problem = $"not JSON: {e.Message}";
            return false;
        }
    }

    private static string? Text(JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            // Not UTF-8: the bytes as numbers; decoded with replacement characters, as a terminal would show them.
            JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.Number =>
                Encoding.UTF8.GetString(value.EnumerateArray().Select(b => (byte)b.GetInt32()).ToArray()),
            // Several values of one field: the last, which is the one written last.
            JsonValueKind.Array when value.GetArrayLength() > 0 => Text(value[value.GetArrayLength() - 1]),
            _ => null, // null: over 4096 bytes, left out by journalctl without --all
        };
    }

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
