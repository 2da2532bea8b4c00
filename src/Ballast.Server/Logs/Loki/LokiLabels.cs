using System.Text;

namespace Ballast.Server.Logs.Loki;

/// <summary>
/// A stream's labels as the protobuf push writes them, in Prometheus' text form: <c>{job="api", host="web-1"}</c>,
/// values in double quotes with Go's escapes (<c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\t</c>).
/// </summary>
internal static class LokiLabels
{
    public static Dictionary<string, string> Parse(string? text, string where)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var s = (text ?? "").AsSpan().Trim();
        if (s.Length < 2 || s[0] != '{' || s[^1] != '}')
            throw new LokiPushException($"{where}: \"{Shorten(text)}\" is not a label set; expected {{name=\"value\", ...}}");
        var i = 1;
        var end = s.Length - 1;
        SkipSpaces(s, ref i);
        while (i < end)
        {
            var start = i;
            while (i < end && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
            if (i == start || char.IsAsciiDigit(s[start]))
                throw new LokiPushException($"{where}: a label name is expected at character {i + 1} of \"{Shorten(text)}\" (letters, digits and _, not starting with a digit)");
            var name = s[start..i].ToString();
            SkipSpaces(s, ref i);
            if (i >= end || s[i] != '=') throw new LokiPushException($"{where}: '=' is expected after label {name} in \"{Shorten(text)}\"");
            i++;
            SkipSpaces(s, ref i);
            labels[name] = ReadQuoted(s, ref i, end, name, where, text);
            SkipSpaces(s, ref i);
            if (i < end)
            {
                if (s[i] != ',') throw new LokiPushException($"{where}: ',' or '}}' is expected after label {name} in \"{Shorten(text)}\"");
                i++;
                SkipSpaces(s, ref i);
            }
        }
        return labels;
    }

    private static string ReadQuoted(ReadOnlySpan<char> s, ref int i, int end, string name, string where, string? text)
    {
        if (i >= end || s[i] != '"') throw new LokiPushException($"{where}: the value of label {name} must be in double quotes in \"{Shorten(text)}\"");
        i++;
        var value = new StringBuilder();
        while (i < end && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < end)
            {
                i++;
                value.Append(s[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var c => c });
            }
            else value.Append(s[i]);
            i++;
        }
        if (i >= end) throw new LokiPushException($"{where}: the value of label {name} has no closing quote in \"{Shorten(text)}\"");
        i++;
        return value.ToString();
    }

    private static void SkipSpaces(ReadOnlySpan<char> s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 80 ? text[..80] + "…" : text;
}
