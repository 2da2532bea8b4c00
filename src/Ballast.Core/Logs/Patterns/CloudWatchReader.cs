using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ballast.Core.Logs.Patterns;

/// <summary>A fault in a CloudWatch pattern, thrown inside the parser and turned into a <see cref="PatternError"/>.</summary>
internal sealed class CloudWatchSyntaxException(int offset, string message) : Exception(message)
{
    public int Offset { get; } = offset;
}

/// <summary>
/// Reads a CloudWatch filter pattern left to right, keeping offsets into the pattern as written so every error
/// points at its fault. Shared by the three forms (terms, JSON, space-delimited).
/// </summary>
internal sealed class CloudWatchReader(string text, int start, int end)
{
    /// <summary>AWS allows at most two regular expressions in one JSON or space-delimited pattern.</summary>
    public const int MaxRegexes = 2;

    public string Text { get; } = text;
    public int Position { get; set; } = start;
    public int End { get; } = end;
    public int Regexes { get; set; }

    public bool AtEnd => Position >= End;
    public char Current => Position < End ? Text[Position] : '\0';
    public char Peek(int ahead) => Position + ahead < End ? Text[Position + ahead] : '\0';

    public static CloudWatchSyntaxException Fail(int offset, string message) => new(offset, message);

    public void SkipSpaces()
    {
        while (Position < End && char.IsWhiteSpace(Text[Position])) Position++;
    }

    public bool TryTake(string token)
    {
        if (string.CompareOrdinal(Text, Position, token, 0, token.Length) != 0 || Position + token.Length > End) return false;
        Position += token.Length;
        return true;
    }

    /// <summary>Whether the next word is <paramref name="keyword"/> (letters only, whole word, upper case as AWS writes it).</summary>
    public bool TryKeyword(string keyword)
    {
        if (string.CompareOrdinal(Text, Position, keyword, 0, keyword.Length) != 0 || Position + keyword.Length > End) return false;
        var after = Position + keyword.Length;
        if (after < End && IsWordChar(Text[after])) return false;
        Position = after;
        return true;
    }

    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>
    /// Reads a double-quoted string at the current position, with <c>\"</c> and <c>\\</c> escapes (as AWS's own CDK
    /// writes quoted terms), and returns its content.
    /// </summary>
    public string ReadQuoted()
    {
        var open = Position;
        Position++;
        StringBuilder? built = null;
        var runStart = Position;
        while (Position < End)
        {
            var c = Text[Position];
            if (c == '"')
            {
                var last = Text[runStart..Position];
                Position++;
                return built is null ? last : built.Append(last).ToString();
            }
            if (c == '\\' && Position + 1 < End && Text[Position + 1] is '"' or '\\')
            {
                built ??= new StringBuilder();
                built.Append(Text, runStart, Position - runStart).Append(Text[Position + 1]);
                Position += 2;
                runStart = Position;
                continue;
            }
            Position++;
        }
        throw Fail(open, "this double quote is never closed");
    }

    /// <summary>Reads <c>%regex%</c> at the current position, checked against the subset AWS documents.</summary>
    public Regex ReadRegex()
    {
        var open = Position;
        var close = Text.IndexOf('%', open + 1, End - open - 1);
        if (close < 0) throw Fail(open, "this % opens a regular expression that is never closed with %");
        Position = close + 1;
        if (++Regexes > MaxRegexes)
            throw Fail(open, $"a JSON or space-delimited pattern may hold at most {MaxRegexes} regular expressions");
        return CompileRegex(Text, open + 1, close);
    }

    /// <summary>
    /// Compiles the regular expression in <c>text[start..end]</c>. AWS allows only letters, digits, the symbols
    /// <c>_ # = @ / ; , - :</c> and the operators <c>^ $ ? [ ] { } | \ * + .</c>; anything else (parentheses,
    /// spaces, <c>!</c>, multi-byte characters) is refused where it stands.
    /// </summary>
    public static Regex CompileRegex(string text, int start, int end)
    {
        if (end == start) throw Fail(start - 1, "the regular expression between % and % is empty");
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || "_#=@/;,-:^$?[]{}|\\*+.".Contains(c)) continue;
            var what = c switch
            {
                '(' or ')' => "parentheses are not supported in CloudWatch regular expressions",
                _ when c > 127 => "multi-byte characters are not supported in CloudWatch regular expressions",
                _ => $"'{c}' is not among the characters CloudWatch regular expressions may contain",
            };
            throw Fail(i, what);
        }
        try
        {
            return new Regex(text[start..end], RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            var offset = e is RegexParseException p ? start + Math.Max(0, p.Offset - 1) : start;
            var message = e is RegexParseException q ? q.Error.ToString() : e.Message;
            throw Fail(Math.Min(offset, end - 1), $"not a valid regular expression ({message})");
        }
    }

    /// <summary>Parses a CloudWatch number: an integer or decimal with an optional sign, optionally with an exponent.</summary>
    public static bool TryNumber(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        if (s.IsEmpty) return false;
        var i = 0;
        if (s[i] is '+' or '-') i++;
        var digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            var exponent = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exponent++; }
            if (exponent == 0) return false;
        }
        return i == s.Length && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
