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

/// <summary>
/// How far a source has read (a file's identity and offset, a stream's cursor), stored in the same transaction as
/// the lines handed with it, so a restart resumes exactly after the last line accepted.
/// </summary>
/// <param name="Key">The source's own key for what it reads, e.g. <c>file:api:/var/log/api/app.log</c>.</param>
/// <param name="Position">Opaque to everything but the source that wrote it.</param>
public sealed record LogCheckpoint(string Key, string Position);

/// <summary>Where sources hand the lines they read, in order per source.</summary>
public interface ILogIngest
{
    /// <summary>
    /// Takes <paramref name="lines"/> from one source, and its <paramref name="checkpoint"/> after them. When the task
    /// completes both are accepted together; a source resumes from <see cref="LoadCheckpointAsync"/> after a restart.
    /// </summary>
    ValueTask IngestAsync(IReadOnlyList<LogLine> lines, LogCheckpoint? checkpoint, CancellationToken cancellationToken);

    /// <summary>The last checkpoint accepted under <paramref name="key"/>, or null.</summary>
    ValueTask<LogCheckpoint?> LoadCheckpointAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Sees every accepted line, in order per source (the rule engine, live tails). Must not block.</summary>
public interface ILogObserver
{
    void Observe(LogLine line);
}
