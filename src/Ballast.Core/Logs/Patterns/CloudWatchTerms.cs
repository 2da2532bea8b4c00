using System.Buffers;
using System.Text;

namespace Ballast.Core.Logs.Patterns;

/// <summary>
/// An unstructured pattern: terms that must all appear (<c>ERROR Exception</c>), terms of which one must appear
/// (<c>?ERROR ?WARN</c>), and terms that must not (<c>-Exiting</c>); quoted phrases are one term. Case-sensitive
/// ordinal substring search on the line's text, without allocating.
/// </summary>
internal sealed class CloudWatchTerms
{
    private readonly string[] _all;
    private readonly string[] _any;
    private readonly string[] _none;
    private readonly SearchValues<string>? _anyValues;
    private readonly SearchValues<string>? _noneValues;
    private readonly byte[][] _allUtf8;
    private readonly byte[][] _anyUtf8;
    private readonly byte[][] _noneUtf8;

    private CloudWatchTerms(string[] all, string[] any, string[] none)
    {
        (_all, _any, _none) = (all, any, none);
        // One literal searches fastest alone; several at once go through one multi-string search.
        if (any.Length > 1) _anyValues = SearchValues.Create(any, StringComparison.Ordinal);
        if (none.Length > 1) _noneValues = SearchValues.Create(none, StringComparison.Ordinal);
        (_allUtf8, _anyUtf8, _noneUtf8) = (Utf8(all), Utf8(any), Utf8(none));
    }

    /// <summary>Whether no term constrains the line (the pattern <c>""</c> or <c>" "</c>).</summary>
    public bool MatchesEverything => _all.Length == 0 && _any.Length == 0 && _none.Length == 0;

    public static CloudWatchTerms Parse(CloudWatchReader reader)
    {
        List<string> all = [], any = [], none = [];
        var quotedOnly = 0;
        var terms = 0;
        while (true)
        {
            reader.SkipSpaces();
            if (reader.AtEnd) break;
            var at = reader.Position;
            var list = all;
            if (reader.Current == '?') { list = any; reader.Position++; }
            else if (reader.Current == '-')
            {
                // AWS's own example writes the exclusion with a space: "ERROR" - "Exiting".
                list = none;
                reader.Position++;
                reader.SkipSpaces();
            }
            if (reader.AtEnd || char.IsWhiteSpace(reader.Current))
                throw CloudWatchReader.Fail(at, $"'{reader.Text[at]}' must be followed by a term");
            var termAt = reader.Position;
            string term;
            if (reader.Current == '"')
            {
                term = reader.ReadQuoted();
                if (list == all && string.IsNullOrWhiteSpace(term)) quotedOnly++;
            }
            else term = ReadBare(reader);
            terms++;
            if (string.IsNullOrWhiteSpace(term) && (list != all || terms > 1))
                throw CloudWatchReader.Fail(termAt, "an empty quoted term matches every line; it can only stand alone");
            if (!reader.AtEnd && !char.IsWhiteSpace(reader.Current))
                throw CloudWatchReader.Fail(reader.Position, "terms are separated by spaces");
            list.Add(term);
        }
        // "" and " " alone match every line (AWS documents both).
        if (terms == quotedOnly) all.Clear();
        return new CloudWatchTerms([.. all], [.. any], [.. none]);
    }

    private static string ReadBare(CloudWatchReader reader)
    {
        var start = reader.Position;
        while (!reader.AtEnd && !char.IsWhiteSpace(reader.Current))
        {
            var c = reader.Current;
            if (c == '%') throw CloudWatchReader.Fail(reader.Position, "a regular expression between % and % must be the whole pattern; quote the term to match a literal %");
            if (!CloudWatchReader.IsWordChar(c))
                throw CloudWatchReader.Fail(reader.Position, $"a term containing '{c}' must be written in double quotes");
            reader.Position++;
        }
        return reader.Text[start..reader.Position];
    }

    public bool IsMatch(string line)
    {
        var text = line.AsSpan();
        foreach (var term in _all)
            if (text.IndexOf(term, StringComparison.Ordinal) < 0) return false;
        if (_any.Length == 1 ? text.IndexOf(_any[0], StringComparison.Ordinal) < 0 : _anyValues is not null && text.IndexOfAny(_anyValues) < 0)
            return false;
        if (_none.Length == 1 ? text.IndexOf(_none[0], StringComparison.Ordinal) >= 0 : _noneValues is not null && text.IndexOfAny(_noneValues) >= 0)
            return false;
        return true;
    }

    /// <summary>The same verdict as <see cref="IsMatch"/>, on the line's UTF-8 bytes.</summary>
    public bool IsMatchUtf8(ReadOnlySpan<byte> line)
    {
        foreach (var term in _allUtf8)
            if (line.IndexOf(term) < 0) return false;
        if (_anyUtf8.Length > 0)
        {
            var found = false;
            foreach (var term in _anyUtf8)
                if (line.IndexOf(term) >= 0) { found = true; break; }
            if (!found) return false;
        }
        foreach (var term in _noneUtf8)
            if (line.IndexOf(term) >= 0) return false;
        return true;
    }

    private static byte[][] Utf8(string[] terms) => [.. terms.Select(Encoding.UTF8.GetBytes)];
}
