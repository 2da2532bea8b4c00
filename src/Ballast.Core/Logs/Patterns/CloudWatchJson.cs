using System.Text.Json;

namespace Ballast.Core.Logs.Patterns;

/// <summary>
/// A JSON filter pattern, <c>{ $.level = "error" &amp;&amp; $.latency &gt; 500 }</c>: comparisons on property
/// selectors joined with <c>&amp;&amp;</c> and <c>||</c> (<c>&amp;&amp;</c> binds tighter, parentheses group), judged on
/// <see cref="LogLine.Json"/>. A line that is not a JSON object never matches.
/// </summary>
internal sealed class CloudWatchJson
{
    private readonly Node _root;
    private readonly Dictionary<string, Selector> _selectors;

    private CloudWatchJson(Node root, Dictionary<string, Selector> selectors) => (_root, _selectors) = (root, selectors);

    /// <summary>Parses the pattern from the reader's <c>{</c> to its closing <c>}</c>, which must end the pattern.</summary>
    public static CloudWatchJson Parse(CloudWatchReader reader)
    {
        var open = reader.Position;
        reader.Position++;
        var selectors = new Dictionary<string, Selector>(StringComparer.Ordinal);
        reader.SkipSpaces();
        if (reader.Current == '}') throw CloudWatchReader.Fail(reader.Position, "a JSON pattern needs a condition between { and }");
        var root = ParseOr(reader, selectors);
        reader.SkipSpaces();
        if (reader.AtEnd) throw CloudWatchReader.Fail(open, "this { is never closed with }");
        if (reader.Current != '}') throw Unexpected(reader);
        reader.Position++;
        reader.SkipSpaces();
        if (!reader.AtEnd) throw CloudWatchReader.Fail(reader.Position, "nothing may follow the } that closes a JSON pattern");
        return new CloudWatchJson(root, selectors);
    }

    public bool IsMatch(LogLine line) => line.Json is { } json && _root.Eval(json);

    public bool Captures(string name) => _selectors.ContainsKey(name);

    public string? Capture(LogLine line, string name)
    {
        if (!_selectors.TryGetValue(name, out var selector) || line.Json is not { } json || !IsMatch(line)) return null;
        if (!selector.TryResolve(json, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        };
    }

    private static CloudWatchSyntaxException Unexpected(CloudWatchReader reader) =>
        CloudWatchReader.Fail(reader.Position, reader.AtEnd
            ? "the JSON pattern ends too early"
            : $"expected &&, || or the end of the condition, found '{reader.Current}'");

    private static Node ParseOr(CloudWatchReader reader, Dictionary<string, Selector> selectors)
    {
        var left = ParseAnd(reader, selectors);
        while (true)
        {
            reader.SkipSpaces();
            if (!reader.TryTake("||")) return left;
            left = new Or(left, ParseAnd(reader, selectors));
        }
    }

    private static Node ParseAnd(CloudWatchReader reader, Dictionary<string, Selector> selectors)
    {
        var left = ParsePrimary(reader, selectors);
        while (true)
        {
            reader.SkipSpaces();
            if (!reader.TryTake("&&")) return left;
            left = new And(left, ParsePrimary(reader, selectors));
        }
    }

    private static Node ParsePrimary(CloudWatchReader reader, Dictionary<string, Selector> selectors)
    {
        reader.SkipSpaces();
        if (reader.Current == '(')
        {
            var open = reader.Position;
            reader.Position++;
            var inner = ParseOr(reader, selectors);
            reader.SkipSpaces();
            if (reader.Current != ')')
                throw reader.AtEnd || reader.Current == '}' ? CloudWatchReader.Fail(open, "this ( is never closed with )") : Unexpected(reader);
            reader.Position++;
            return inner;
        }
        var selector = Selector.Parse(reader);
        selectors.TryAdd(selector.Text, selector);
        reader.SkipSpaces();
        var keywordAt = reader.Position;
        if (reader.TryKeyword("IS"))
        {
            reader.SkipSpaces();
            if (reader.TryKeyword("NULL")) return new Test(selector, v => v.ValueKind == JsonValueKind.Null);
            if (reader.TryKeyword("TRUE")) return new Test(selector, v => v.ValueKind == JsonValueKind.True);
            if (reader.TryKeyword("FALSE")) return new Test(selector, v => v.ValueKind == JsonValueKind.False);
            throw CloudWatchReader.Fail(reader.Position, "IS must be followed by NULL, TRUE or FALSE");
        }
        if (reader.TryKeyword("NOT"))
        {
            reader.SkipSpaces();
            if (reader.TryKeyword("EXISTS")) return new Missing(selector);
            throw CloudWatchReader.Fail(reader.Position, "NOT must be followed by EXISTS");
        }
        if (char.IsAsciiLetter(reader.Current))
            throw CloudWatchReader.Fail(keywordAt, "expected a comparison (=, !=, <, <=, >, >=), IS NULL, IS TRUE, IS FALSE or NOT EXISTS after the selector");
        return new Compare(selector, CloudWatchCondition.Parse(reader));
    }

    private abstract class Node
    {
        public abstract bool Eval(JsonElement root);
    }

    private sealed class And(Node left, Node right) : Node
    {
        public override bool Eval(JsonElement root) => left.Eval(root) && right.Eval(root);
    }

    private sealed class Or(Node left, Node right) : Node
    {
        public override bool Eval(JsonElement root) => left.Eval(root) || right.Eval(root);
    }

    private sealed class Compare(Selector selector, CloudWatchCondition condition) : Node
    {
        public override bool Eval(JsonElement root) => selector.TryResolve(root, out var value) && condition.Matches(value);
    }

    private sealed class Test(Selector selector, Func<JsonElement, bool> test) : Node
    {
        public override bool Eval(JsonElement root) => selector.TryResolve(root, out var value) && test(value);
    }

    private sealed class Missing(Selector selector) : Node
    {
        public override bool Eval(JsonElement root) => !selector.TryResolve(root, out _);
    }

    /// <summary>
    /// <c>$</c> then properties (<c>.name</c>, letters, digits, <c>-</c> and <c>_</c>) and array indexes
    /// (<c>[0]</c>, only after a property), e.g. <c>$.users[0].id</c> or <c>$.coordinates[0][1]</c>.
    /// </summary>
    private sealed class Selector
    {
        private readonly object[] _steps; // string: a property; int: an array index

        private Selector(string text, object[] steps) => (Text, _steps) = (text, steps);

        public string Text { get; }

        public static Selector Parse(CloudWatchReader reader)
        {
            var start = reader.Position;
            if (reader.Current != '$')
                throw CloudWatchReader.Fail(start, reader.AtEnd ? "expected a selector such as $.level here" : $"expected a selector such as $.level, found '{reader.Current}'");
            reader.Position++;
            var steps = new List<object>();
            while (reader.Current is '.' or '[')
            {
                var at = reader.Position;
                if (reader.Current == '.')
                {
                    reader.Position++;
                    var nameStart = reader.Position;
                    while (CloudWatchReader.IsWordChar(reader.Current) || reader.Current == '-') reader.Position++;
                    if (reader.Position == nameStart)
                        throw CloudWatchReader.Fail(nameStart, "a property name (letters, digits, - and _) must follow the '.' of a selector");
                    steps.Add(reader.Text[nameStart..reader.Position]);
                    continue;
                }
                if (steps.Count == 0) throw CloudWatchReader.Fail(at, "an array index must follow a property, as in $.users[0]");
                reader.Position++;
                var digitsStart = reader.Position;
                while (char.IsAsciiDigit(reader.Current)) reader.Position++;
                if (reader.Position == digitsStart || reader.Current != ']')
                    throw CloudWatchReader.Fail(digitsStart, "an array index is a whole number between [ and ], as in $.users[0]");
                if (!int.TryParse(reader.Text.AsSpan(digitsStart, reader.Position - digitsStart), out var index))
                    throw CloudWatchReader.Fail(digitsStart, "this array index is too large");
                reader.Position++;
                steps.Add(index);
            }
            if (steps.Count == 0) throw CloudWatchReader.Fail(start, "a selector names a property after $, as in $.level");
            return new Selector(reader.Text[start..reader.Position], [.. steps]);
        }

        public bool TryResolve(JsonElement root, out JsonElement value)
        {
            value = root;
            foreach (var step in _steps)
            {
                if (step is string name)
                {
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value)) return false;
                }
                else
                {
                    var index = (int)step;
                    if (value.ValueKind != JsonValueKind.Array || index >= value.GetArrayLength()) return false;
                    value = value[index];
                }
            }
            return true;
        }
    }
}
