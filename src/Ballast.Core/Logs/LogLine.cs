using System.Text.Json;

namespace Ballast.Core.Logs;

/// <summary>
/// One line from a log source, as rules see it: the source's name, the text without its line ending, when it was
/// written (the line's own timestamp when it has one, else when Ballast received it), and labels from the source
/// (service, release, replica, file, unit...).
/// </summary>
public sealed record LogLine(string Source, string Text, DateTimeOffset Time, IReadOnlyDictionary<string, string> Labels)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private JsonElement? _json;
    private bool _jsonRead;

    /// <summary>A line without labels.</summary>
    public LogLine(string source, string text, DateTimeOffset time) : this(source, text, time, NoLabels) { }

    /// <summary>
    /// The line as a JSON object when it is one (structured loggers: pino, Serilog's compact JSON, ASP.NET Core's
    /// JSON console), else null. Parsed on first use, once; rules that never ask pay nothing.
    /// </summary>
    public JsonElement? Json
    {
        get
        {
            if (_jsonRead) return _json;
            _json = ParseObject(Text);
            _jsonRead = true;
            return _json;
        }
    }

    private static JsonElement? ParseObject(string text)
    {
        var span = text.AsSpan().Trim();
        if (span.Length < 2 || span[0] != '{' || span[^1] != '}') return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null; // text that looks like an object but is not JSON is matched as text
        }
    }
}

/// <summary>Where sources hand the lines they read, in order per source; the log pipeline parses them and evaluates rules.</summary>
public interface ILogIngest
{
    /// <summary>
    /// Takes <paramref name="lines"/> from one source. When the returned task completes the lines are accepted: a
    /// source that remembers its position (a file's offset) may move it past them.
    /// </summary>
    ValueTask IngestAsync(IReadOnlyList<LogLine> lines, CancellationToken cancellationToken);
}
