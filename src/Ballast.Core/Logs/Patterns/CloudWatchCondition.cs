using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ballast.Core.Logs.Patterns;

internal enum CloudWatchOperator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

/// <summary>
/// One comparison of a value (a JSON property or a space-delimited field) with what the pattern wrote: a string
/// (with <c>*</c> wildcards at its start or end), a number, a <c>%regex%</c>, or <c>*</c> for any value.
/// </summary>
internal sealed class CloudWatchCondition
{
    private enum Kind { Any, Text, Number, Regex }

    private readonly CloudWatchOperator _op;
    private readonly Kind _kind;
    private readonly string _text = "";
    private readonly bool _leadingStar;
    private readonly bool _trailingStar;
    private readonly double _number;
    private readonly Regex? _regex;

    private CloudWatchCondition(CloudWatchOperator op, Kind kind, string text = "", double number = 0, Regex? regex = null)
    {
        (_op, _kind, _number, _regex) = (op, kind, number, regex);
        if (kind != Kind.Text) return;
        // AWS: "*Event" and "Event*" are wildcards, "Ev*ent" is only the string "Ev*ent".
        _leadingStar = text.Length > 0 && text[0] == '*';
        _trailingStar = text.Length > 1 && text[^1] == '*';
        _text = text[(_leadingStar ? 1 : 0)..(_trailingStar ? ^1 : ^0)];
    }

    /// <summary>Reads an operator and a value at the reader's position.</summary>
    public static CloudWatchCondition Parse(CloudWatchReader reader)
    {
        reader.SkipSpaces();
        var opAt = reader.Position;
        CloudWatchOperator op;
        if (reader.TryTake("!=")) op = CloudWatchOperator.NotEqual;
        else if (reader.TryTake("<=")) op = CloudWatchOperator.LessOrEqual;
        else if (reader.TryTake(">=")) op = CloudWatchOperator.GreaterOrEqual;
        else if (reader.TryTake("=")) op = CloudWatchOperator.Equal;
        else if (reader.TryTake("<")) op = CloudWatchOperator.Less;
        else if (reader.TryTake(">")) op = CloudWatchOperator.Greater;
        else throw CloudWatchReader.Fail(opAt, "expected a comparison (=, !=, <, <=, >, >=) here");

        reader.SkipSpaces();
        var valueAt = reader.Position;
        var ordering = op is not (CloudWatchOperator.Equal or CloudWatchOperator.NotEqual);
        if (reader.AtEnd) throw CloudWatchReader.Fail(valueAt, "expected a value after the comparison");
        if (reader.Current == '%')
        {
            if (ordering) throw CloudWatchReader.Fail(valueAt, "a regular expression can only be compared with = or !=");
            return new CloudWatchCondition(op, Kind.Regex, regex: reader.ReadRegex());
        }
        if (reader.Current == '"')
        {
            var quoted = reader.ReadQuoted();
            if (ordering) throw CloudWatchReader.Fail(valueAt, "<, <=, > and >= compare numbers; this value is a string");
            return new CloudWatchCondition(op, Kind.Text, quoted);
        }
        var start = reader.Position;
        while (!reader.AtEnd && !char.IsWhiteSpace(reader.Current) && reader.Current is not (',' or ']' or ')' or '}' or '&' or '|'))
        {
            var c = reader.Current;
            if (!CloudWatchReader.IsWordChar(c) && c is not ('-' or '.' or '*' or '+'))
                throw CloudWatchReader.Fail(reader.Position, $"a value containing '{c}' must be written in double quotes");
            reader.Position++;
        }
        if (reader.Position == start) throw CloudWatchReader.Fail(valueAt, "expected a value after the comparison");
        var raw = reader.Text[start..reader.Position];
        if (CloudWatchReader.TryNumber(raw, out var number)) return new CloudWatchCondition(op, Kind.Number, number: number);
        if (ordering) throw CloudWatchReader.Fail(valueAt, $"<, <=, > and >= compare numbers; '{raw}' is not a number");
        return raw == "*" ? new CloudWatchCondition(op, Kind.Any) : new CloudWatchCondition(op, Kind.Text, raw);
    }

    /// <summary>Judges a space-delimited field, or a JSON string.</summary>
    public bool Matches(ReadOnlySpan<char> value)
    {
        switch (_kind)
        {
            case Kind.Any:
                return _op == CloudWatchOperator.Equal;
            case Kind.Number:
                return CloudWatchReader.TryNumber(value, out var number) && Compare(number);
            case Kind.Regex:
                return _regex!.IsMatch(value) == (_op == CloudWatchOperator.Equal);
            default:
                return TextEquals(value) == (_op == CloudWatchOperator.Equal);
        }
    }

    /// <summary>
    /// Judges a JSON value. AWS compares only value nodes: a property that holds an object, an array, a boolean or
    /// null fails both = and !=.
    /// </summary>
    public bool Matches(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return Matches(value.GetString().AsSpan());
            case JsonValueKind.Number:
                if (_kind == Kind.Number) return value.TryGetDouble(out var number) && Compare(number);
                return Matches(value.GetRawText().AsSpan());
            default:
                return false;
        }
    }

    private bool TextEquals(ReadOnlySpan<char> value)
    {
        var text = _text.AsSpan();
        return (_leadingStar, _trailingStar) switch
        {
            (true, true) => value.Contains(text, StringComparison.Ordinal),
            (true, false) => value.EndsWith(text, StringComparison.Ordinal),
            (false, true) => value.StartsWith(text, StringComparison.Ordinal),
            _ => value.SequenceEqual(text),
        };
    }

    private bool Compare(double value) => _op switch
    {
        CloudWatchOperator.Equal => value == _number,
        CloudWatchOperator.NotEqual => value != _number,
        CloudWatchOperator.Less => value < _number,
        CloudWatchOperator.LessOrEqual => value <= _number,
        CloudWatchOperator.Greater => value > _number,
        _ => value >= _number,
    };
}
