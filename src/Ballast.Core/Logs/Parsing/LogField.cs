using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Ballast.Core.Logs.Parsing;

/// <summary>
/// A field of a JSON line named by a path such as <c>$.level</c>, <c>$.req.headers.host</c> or <c>$.errors[0].code</c>,
/// parsed once when config is read and then read from <see cref="LogLine.Json"/> without parsing the path again.
/// </summary>
public sealed class LogField
{
    private readonly object[] _steps; // string (a property) or int (an array index)

    private LogField(string path, object[] steps) => (Path, _steps) = (path, steps);

    /// <summary>The path as written.</summary>
    public string Path { get; }

    /// <summary>Parses <paramref name="path"/>; on failure <paramref name="offset"/> is where the fault is.</summary>
    public static bool TryParse(string path, [NotNullWhen(true)] out LogField? field, [NotNullWhen(false)] out string? error, out int offset)
    {
        field = null;
        error = null;
        offset = 0;
        if (!path.StartsWith("$.", StringComparison.Ordinal) && !path.StartsWith("$[", StringComparison.Ordinal))
        {
            error = "a JSON field path starts with $. (e.g. $.level or $.req.url)";
            return false;
        }
        var steps = new List<object>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] is not ('.' or '[')) i++;
                if (i == start)
                {
                    (error, offset) = ("a field name is missing after the dot", start);
                    return false;
                }
                steps.Add(path[start..i]);
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    (error, offset) = ("an array index is written [0], [1], ...", i);
                    return false;
                }
                steps.Add(index);
                i = close + 1;
            }
            else
            {
                (error, offset) = ($"unexpected '{path[i]}'", i);
                return false;
            }
        }
        field = new LogField(path, [.. steps]);
        return true;
    }

    /// <summary>The field's value in <paramref name="line"/>, or null when the line is not JSON or lacks it.</summary>
    public JsonElement? Read(LogLine line) => line.Json is { } json ? Read(json) : null;

    /// <summary>The field's value in <paramref name="json"/>, or null when it is absent.</summary>
    public JsonElement? Read(JsonElement json)
    {
        var current = json;
        foreach (var step in _steps)
        {
            if (step is string name)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current)) return null;
            }
            else
            {
                var index = (int)step;
                if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength()) return null;
                current = current[index];
            }
        }
        return current;
    }

    /// <summary>The field as text (a string's value, a number or literal as written), or null when absent.</summary>
    public string? ReadText(LogLine line) => Read(line) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Null } => null,
        var other => other.Value.GetRawText(),
    };

    public override string ToString() => Path;
}
