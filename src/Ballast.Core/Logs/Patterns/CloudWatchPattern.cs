using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Ballast.Core.Logs.Patterns;

/// <summary>
/// A CloudWatch Logs filter pattern, as AWS documents it for metric filters, subscription filters and filter log
/// events: unstructured terms (<c>ERROR -Exiting</c>, <c>?ERROR ?WARN</c>, <c>"quoted phrase"</c>), a regular
/// expression between <c>%</c> signs, a JSON pattern between <c>{ }</c>, or a space-delimited pattern between
/// <c>[ ]</c>. The empty pattern, <c>""</c> and <c>" "</c> match every line.
/// </summary>
public sealed class CloudWatchPattern : LogPattern
{
    private readonly CloudWatchTerms? _terms;
    private readonly Regex? _regex;
    private readonly CloudWatchJson? _json;
    private readonly CloudWatchDelimited? _delimited;

    private CloudWatchPattern(string text, CloudWatchTerms? terms = null, Regex? regex = null, CloudWatchJson? json = null, CloudWatchDelimited? delimited = null)
        : base(text, PatternSyntax.CloudWatch) => (_terms, _regex, _json, _delimited) = (terms, regex, json, delimited);

    /// <summary>Whether every line matches (the empty pattern, <c>""</c>, <c>" "</c>).</summary>
    public bool MatchesEverything => _terms is { MatchesEverything: true };

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> points at the fault.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out LogPattern? pattern, [NotNullWhen(false)] out PatternError? error)
    {
        pattern = null;
        error = null;
        text ??= "";
        var start = 0;
        var end = text.Length;
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        var reader = new CloudWatchReader(text, start, end);
        try
        {
            pattern = reader.AtEnd ? new CloudWatchPattern(text, terms: CloudWatchTerms.Parse(reader)) : reader.Current switch
            {
                '{' => new CloudWatchPattern(text, json: CloudWatchJson.Parse(reader)),
                '[' => new CloudWatchPattern(text, delimited: CloudWatchDelimited.Parse(reader)),
                '%' => new CloudWatchPattern(text, regex: ParseRegex(reader)),
                _ => new CloudWatchPattern(text, terms: CloudWatchTerms.Parse(reader)),
            };
            return true;
        }
        catch (CloudWatchSyntaxException e)
        {
            error = new PatternError(e.Offset, e.Message);
            return false;
        }
    }

    private static Regex ParseRegex(CloudWatchReader reader)
    {
        var regex = reader.ReadRegex();
        reader.SkipSpaces();
        if (!reader.AtEnd)
            throw CloudWatchReader.Fail(reader.Position, "a regular expression between % and % must be the whole pattern");
        return regex;
    }

    public override bool IsMatch(LogLine line)
    {
        if (_terms is not null) return _terms.IsMatch(line.Text);
        if (_regex is not null) return _regex.IsMatch(line.Text);
        if (_json is not null) return _json.IsMatch(line);
        return _delimited!.IsMatch(line);
    }

    /// <summary>Terms judge UTF-8 lines without decoding them; the other forms need the decoded line.</summary>
    public override bool TryMatchUtf8(ReadOnlySpan<byte> line, out bool matched)
    {
        matched = _terms is not null && _terms.IsMatchUtf8(line);
        return _terms is not null;
    }

    /// <summary>Space-delimited patterns capture each named field; JSON patterns capture each selector they use (<c>$.user.id</c>).</summary>
    public override bool Captures(string name) => _json?.Captures(name) ?? _delimited?.Captures(name) ?? false;

    public override string? Capture(LogLine line, string name) => _json?.Capture(line, name) ?? _delimited?.Capture(line, name);
}
