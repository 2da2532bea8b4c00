using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ballast.Core.Config;

namespace Ballast.Core.Conditions;

/// <summary>Where a placeholder's value comes from: one probe's observation.</summary>
public interface IConditionSubject
{
    /// <summary>
    /// The placeholder's value, or <see cref="ConditionValue.Missing"/> with the reason. <paramref name="header"/> is the
    /// header name for <see cref="Placeholder.Header"/> (matched case-insensitively), null otherwise.
    /// </summary>
    ConditionValue Resolve(Placeholder placeholder, string? header = null);

    /// <summary>Set when the probe got no answer at all; conditions then fail with this as the reason.</summary>
    string? TransportError { get; }
}

/// <summary>The outcome of one condition: passed, or a sentence a person can act on.</summary>
public readonly record struct ConditionOutcome(bool Passed, string? Failure);

/// <summary>
/// One check written as <c>[STATUS] == 200</c>, <c>[BODY].status == pass</c>, <c>len([BODY].items) &gt; 0</c>,
/// <c>[CERT_EXPIRY] &gt; 14d</c>... (docs/configuration.md lists every form).
/// </summary>
public sealed class Condition : IConfigScalar<Condition>, IEquatable<Condition>
{
    public enum Operator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, Contains, NotContains, Matches, NotMatches }
    private enum Function { None, Len, Has }

    private static readonly (string Token, Operator Op)[] Operators =
    [
        ("==", Operator.Equal), ("!=", Operator.NotEqual), ("<=", Operator.LessOrEqual), (">=", Operator.GreaterOrEqual),
        ("<", Operator.Less), (">", Operator.Greater), ("not contains", Operator.NotContains), ("contains", Operator.Contains),
        ("not matches", Operator.NotMatches), ("matches", Operator.Matches),
    ];

    private readonly Function _function;
    private readonly IReadOnlyList<object> _path; // string keys and int indexes
    private readonly IReadOnlyList<Literal> _expected;
    private readonly Regex? _regex;

    private Condition(string text, Function function, Placeholder placeholder, IReadOnlyList<object> path, string subjectText,
        Operator op, IReadOnlyList<Literal> expected, Regex? regex)
    {
        Text = text;
        _function = function;
        Placeholder = placeholder;
        _path = path;
        SubjectText = subjectText;
        Op = op;
        _expected = expected;
        _regex = regex;
    }

    public string Text { get; }
    public Placeholder Placeholder { get; }
    public Operator Op { get; }

    /// <summary>The left side as written, e.g. <c>[BODY].status</c> or <c>len([BODY].items)</c>.</summary>
    public string SubjectText { get; }

    public static string SchemaHint => "a condition such as \"[STATUS] == 200\", \"[BODY].status == pass\" or \"[RESPONSE_TIME] < 800\"";

    public static Condition Parse(string text) =>
        TryParse(text, out var c, out var error, out var offset) ? c : throw new FormatException($"{error} (at character {offset + 1})");

    public static bool TryParse(string text, out Condition value, out string error, out int offset)
    {
        value = null!;
        var p = new Cursor(text);
        p.SkipSpace();
        var function = Function.None;
        if (p.TryWord("len(")) function = Function.Len;
        else if (p.TryWord("has(")) function = Function.Has;

        var subjectStart = p.Pos;
        if (!p.TryChar('['))
            return Fail(p.Pos, "a condition starts with a placeholder such as [STATUS], [BODY] or len([BODY].items)", out error, out offset);
        var close = text.IndexOf(']', p.Pos);
        if (close < 0) return Fail(p.Pos, "unclosed [", out error, out offset);
        var name = text[p.Pos..close];
        if (!PlaceholderNames.TryParse(name, out var placeholder))
        {
            var names = Enum.GetValues<Placeholder>().Select(PlaceholderNames.Of).ToArray();
            var hint = ConfigShape.Suggest(name, names) is { } s ? $"; did you mean [{s}]?" : "";
            return Fail(p.Pos, $"unknown placeholder [{name}] (known: {string.Join(", ", names.Select(n => $"[{n}]"))}){hint}", out error, out offset);
        }
        p.Pos = close + 1;
        var path = new List<object>();
        while (true)
        {
            if (p.TryChar('.'))
            {
                var keyStart = p.Pos;
                while (!p.End && !char.IsWhiteSpace(p.Peek) && p.Peek is not ('.' or '[' or ')')) p.Pos++;
                if (p.Pos == keyStart) return Fail(p.Pos, "expected a key after \".\"", out error, out offset);
                path.Add(text[keyStart..p.Pos]);
            }
            else if (!p.End && p.Peek == '[' )
            {
                var end = text.IndexOf(']', p.Pos);
                if (end < 0 || !int.TryParse(text.AsSpan(p.Pos + 1, end - p.Pos - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    return Fail(p.Pos, "expected an index like [0]", out error, out offset);
                path.Add(index);
                p.Pos = end + 1;
            }
            else break;
        }
        if (placeholder == Placeholder.Header && path is not [string])
            return Fail(subjectStart, "[HEADER] needs a header name, e.g. [HEADER].content-type", out error, out offset);
        if (path.Count > 0 && placeholder is not (Placeholder.Body or Placeholder.Header or Placeholder.Dns))
            return Fail(subjectStart, $"[{name}] has no fields", out error, out offset);
        if (function != Function.None && !p.TryChar(')'))
            return Fail(p.Pos, "expected \")\"", out error, out offset);
        var subjectText = text[(function == Function.None ? subjectStart : subjectStart - 4)..p.Pos];

        p.SkipSpace();
        var opStart = p.Pos;
        Operator? op = null;
        foreach (var (token, candidate) in Operators)
            if (p.TryWord(token)) { op = candidate; break; }
        if (op is null)
            return Fail(opStart, "expected an operator: ==, !=, <, <=, >, >=, contains, not contains, matches, not matches", out error, out offset);

        p.SkipSpace();
        var rhsStart = p.Pos;
        var expected = new List<Literal>();
        if (p.TryWord("any("))
        {
            while (true)
            {
                p.SkipSpace();
                var itemStart = p.Pos;
                var literal = ReadLiteral(ref p, inList: true, out var literalError);
                if (literal is null) return Fail(itemStart, literalError, out error, out offset);
                expected.Add(literal);
                p.SkipSpace();
                if (p.TryChar(',')) continue;
                if (p.TryChar(')')) break;
                return Fail(p.Pos, "expected \",\" or \")\" in any(...)", out error, out offset);
            }
            if (op is not (Operator.Equal or Operator.NotEqual or Operator.Contains))
                return Fail(rhsStart, "any(...) goes with ==, != or contains", out error, out offset);
        }
        else
        {
            var literal = ReadLiteral(ref p, inList: false, out var literalError);
            if (literal is null) return Fail(rhsStart, literalError, out error, out offset);
            expected.Add(literal);
        }
        p.SkipSpace();
        if (!p.End) return Fail(p.Pos, $"unexpected \"{text[p.Pos..]}\" after the value (quote values with spaces)", out error, out offset);

        if (op is Operator.Less or Operator.LessOrEqual or Operator.Greater or Operator.GreaterOrEqual && expected[0].Number is null)
            return Fail(rhsStart, $"\"{expected[0].Text}\" is not a number or duration to compare with", out error, out offset);
        Regex? regex = null;
        if (op is Operator.Matches or Operator.NotMatches)
        {
            try
            {
                regex = new Regex(expected[0].Text, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));
            }
            catch (ArgumentException e)
            {
                return Fail(rhsStart, $"bad regular expression: {e.Message}", out error, out offset);
            }
        }
        if (function == Function.Has && op is not (Operator.Equal or Operator.NotEqual))
            return Fail(opStart, "has(...) is compared with == true or == false", out error, out offset);

        value = new Condition(text.Trim(), function, placeholder, path, subjectText, op.Value, expected, regex);
        error = "";
        offset = 0;
        return true;
    }

    private static Literal? ReadLiteral(ref Cursor p, bool inList, out string error)
    {
        error = "";
        if (p.End) { error = "expected a value after the operator"; return null; }
        if (p.Peek is '"' or '\'')
        {
            // Inside quotes, \" is a quote and \\ a backslash; any other backslash stays (so regexes read naturally).
            var quote = p.Peek;
            var sb = new System.Text.StringBuilder();
            var i = p.Pos + 1;
            for (; i < p.Text.Length && p.Text[i] != quote; i++)
            {
                if (p.Text[i] == '\\' && i + 1 < p.Text.Length && (p.Text[i + 1] == quote || p.Text[i + 1] == '\\')) i++;
                sb.Append(p.Text[i]);
            }
            if (i >= p.Text.Length) { error = "unclosed quote"; return null; }
            p.Pos = i + 1;
            return new Literal(sb.ToString(), Quoted: true);
        }
        var start = p.Pos;
        if (inList)
            while (!p.End && p.Peek is not (',' or ')')) p.Pos++;
        else
            p.Pos = p.Text.Length;
        var bare = p.Text[start..p.Pos].Trim();
        if (bare.Length == 0) { error = "expected a value"; return null; }
        return new Literal(bare, Quoted: false);
    }

    private static bool Fail(int at, string message, out string error, out int offset)
    {
        error = message;
        offset = at;
        return false;
    }

    /// <summary>Evaluates against one observation; a failure says what was expected and what was seen.</summary>
    public ConditionOutcome Evaluate(IConditionSubject subject)
    {
        var actual = Resolve(subject);
        if (actual.IsMissing)
        {
            // has(x) == false is the one question a missing value answers.
            return new(false, $"{Text} failed: {(subject.TransportError is { } t ? "no response: " + t : actual.MissingReason)}");
        }
        bool passed;
        try
        {
            passed = Compare(actual);
        }
        catch (RegexMatchTimeoutException)
        {
            return new(false, $"{Text} failed: the pattern took too long on {Show(actual)}");
        }
        if (passed) return new(true, null);
        var seen = actual.Kind == ConditionValue.ValueKind.Null ? "null" : Show(actual);
        return new(false, Op is Operator.Less or Operator.LessOrEqual or Operator.Greater or Operator.GreaterOrEqual && !actual.TryNumber(out _)
            ? $"{Text} failed: got {seen}, not a number"
            : $"{Text} failed: got {seen}");
    }

    private ConditionValue Resolve(IConditionSubject subject)
    {
        var isHeader = Placeholder == Placeholder.Header;
        var where = isHeader ? $"[HEADER].{_path[0]}" : $"[{PlaceholderNames.Of(Placeholder)}]";
        var value = subject.TransportError is { } error && Placeholder is not Placeholder.Connected and not Placeholder.ResponseTime
            ? ConditionValue.Missing("no response: " + error)
            : subject.Resolve(Placeholder, isHeader ? (string)_path[0] : null);
        if (!value.IsMissing && (Placeholder == Placeholder.Body) && _path.Count > 0 && value.Kind == ConditionValue.ValueKind.String)
        {
            try
            {
                using var doc = JsonDocument.Parse(value.Text);
                value = ConditionValue.Of(doc.RootElement.Clone());
            }
            catch (JsonException)
            {
                value = ConditionValue.Missing($"{where} is not JSON");
            }
        }
        foreach (var segment in isHeader ? _path.Skip(1) : _path)
        {
            if (value.IsMissing) break;
            var here = where;
            where += segment is int i ? $"[{i}]" : $".{segment}";
            value = (segment, value.Kind) switch
            {
                (string key, ConditionValue.ValueKind.Object) => Lookup(value.Object, key, where),
                (int index, ConditionValue.ValueKind.Array) => index < value.Items.Count ? value.Items[index] : ConditionValue.Missing($"{where} is missing ({here} has {value.Items.Count} items)"),
                _ => ConditionValue.Missing($"{where} is missing ({here} is {Show(value)})"),
            };
        }
        return _function switch
        {
            Function.Has => ConditionValue.Of(!value.IsMissing && value.Kind != ConditionValue.ValueKind.Null),
            Function.Len when value.IsMissing => value,
            Function.Len => value.Kind switch
            {
                ConditionValue.ValueKind.Array => ConditionValue.Of(value.Items.Count),
                ConditionValue.ValueKind.String => ConditionValue.Of(value.Text.Length),
                ConditionValue.ValueKind.Object => ConditionValue.Of(value.Object.EnumerateObject().Count()),
                ConditionValue.ValueKind.Null => ConditionValue.Of(0),
                _ => ConditionValue.Missing($"{where} has no length ({Show(value)})"),
            },
            _ => value,
        };
    }

    private static ConditionValue Lookup(JsonElement obj, string key, string where) =>
        obj.TryGetProperty(key, out var property) ? ConditionValue.Of(property) : ConditionValue.Missing($"{where} is missing");

    private bool Compare(ConditionValue actual) => Op switch
    {
        Operator.Equal => _expected.Any(e => Equal(actual, e)),
        Operator.NotEqual => !_expected.Any(e => Equal(actual, e)),
        Operator.Contains => _expected.Any(e => Contains(actual, e)),
        Operator.NotContains => !Contains(actual, _expected[0]),
        Operator.Matches => _regex!.IsMatch(actual.Text),
        Operator.NotMatches => !_regex!.IsMatch(actual.Text),
        _ => actual.TryNumber(out var n) && Op switch
        {
            Operator.Less => n < _expected[0].Number,
            Operator.LessOrEqual => n <= _expected[0].Number,
            Operator.Greater => n > _expected[0].Number,
            _ => n >= _expected[0].Number,
        },
    };

    private static bool Equal(ConditionValue actual, Literal expected)
    {
        if (!expected.Quoted && actual.Kind == ConditionValue.ValueKind.Number && expected.Number is { } number)
            return actual.TryNumber(out var n) && Math.Abs(n - number) < 1e-9;
        if (actual.TryBool(out var b) && !expected.Quoted && expected.Text is "true" or "false")
            return b == (expected.Text == "true");
        return actual.Text == expected.Text;
    }

    private static bool Contains(ConditionValue actual, Literal expected) => actual.Kind switch
    {
        ConditionValue.ValueKind.Array => actual.Items.Any(i => Equal(i, expected)),
        ConditionValue.ValueKind.Object => actual.Object.TryGetProperty(expected.Text, out _),
        _ => actual.Text.Contains(expected.Text, StringComparison.Ordinal),
    };

    private string Show(ConditionValue value)
    {
        if (_function == Function.None && PlaceholderNames.IsTime(Placeholder) && value.TryNumber(out var ms))
            return Duration.Format(TimeSpan.FromMilliseconds(Math.Round(ms)));
        var text = value.Text;
        if (text.Length > 120) text = text[..120] + $"… ({value.Text.Length} chars)";
        return value.Kind == ConditionValue.ValueKind.String ? $"\"{text}\"" : text;
    }

    public override string ToString() => Text;
    public bool Equals(Condition? other) => other is not null && other.Text == Text;
    public override bool Equals(object? obj) => obj is Condition c && Equals(c);
    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);

    /// <summary>A value on the right of an operator; durations like <c>14d</c> count as milliseconds.</summary>
    private sealed record Literal(string Text, bool Quoted)
    {
        public double? Number { get; } = Quoted ? null
            : double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n
            : Config.Duration.TryParse(Text, out var d) ? d.TotalMilliseconds : null;
    }

    private struct Cursor(string text)
    {
        public readonly string Text = text;
        public int Pos;
        public readonly bool End => Pos >= Text.Length;
        public readonly char Peek => Text[Pos];
        public void SkipSpace() { while (!End && char.IsWhiteSpace(Peek)) Pos++; }
        public bool TryChar(char c)
        {
            if (End || Peek != c) return false;
            Pos++;
            return true;
        }
        public bool TryWord(string word)
        {
            if (string.CompareOrdinal(Text, Pos, word, 0, word.Length) != 0) return false;
            Pos += word.Length;
            return true;
        }
    }
}
