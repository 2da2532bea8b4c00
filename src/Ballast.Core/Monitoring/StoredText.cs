using System.Text;

namespace Ballast.Core.Monitoring;

/// <summary>
/// Text that came from outside (a job's push message, a server's error, a response body) made safe to store: NUL
/// and unpaired surrogates, which PostgreSQL refuses and which would fail every write they travel in, and the other
/// control characters (terminal escapes that would act on whoever reads the text in a console; tab and line breaks
/// stay) become U+FFFD, so the rest of the text and the fact that something was there are kept.
/// </summary>
public static class StoredText
{
    /// <summary>The text with every character a database would refuse replaced; the same instance when there is none.</summary>
    public static string? Clean(string? text)
    {
        if (text is null || IsClean(text)) return text;
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
                continue;
            }
            clean.Append(IsControl(c) || char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return clean.ToString();
    }

    // U+FFFE and U+FFFF are not characters at all; XML refuses them, so an Atom feed quoting the text would fail.
    private static bool IsControl(char c) => (char.IsControl(c) && c is not ('\t' or '\n' or '\r')) || c is '\uFFFE' or '\uFFFF';

    private static bool IsClean(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsControl(c)) return false;
            if (!char.IsSurrogate(c)) continue;
            if (!char.IsHighSurrogate(c) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
            i++;
        }
        return true;
    }
}
