using System.Text;

namespace Ballast.Core.Config;

/// <summary>Expands <c>${VAR}</c> and <c>${VAR:-default}</c> in config scalars; <c>$${</c> writes a literal <c>${</c>.</summary>
public static class EnvironmentSubstitution
{
    /// <summary>A reference that could not be expanded, at <paramref name="Offset"/> in the text.</summary>
    public sealed record Problem(int Offset, string Message);

    /// <param name="found">Told each value taken from <paramref name="lookup"/> (not defaults): the secrets this text now holds.</param>
    public static string Expand(string text, Func<string, string?> lookup, List<Problem> problems, List<string>? found = null)
    {
        if (!text.Contains('$', StringComparison.Ordinal)) return text;
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 2 < text.Length && text[i + 1] == '$' && text[i + 2] == '{')
            {
                sb.Append("${");
                i += 3;
                continue;
            }
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    problems.Add(new(i, "unclosed ${ (write $${ for a literal ${)"));
                    sb.Append(text, i, text.Length - i);
                    break;
                }
                var inner = text[(i + 2)..close];
                var dash = inner.IndexOf(":-", StringComparison.Ordinal);
                var name = dash >= 0 ? inner[..dash] : inner;
                if (!IsName(name))
                    problems.Add(new(i, $"\"${{{inner}}}\" is not a variable reference (names are letters, digits and _)"));
                else
                {
                    var value = lookup(name);
                    if (!string.IsNullOrEmpty(value) && value != $"${{{name}}}") found?.Add(value);
                    if (string.IsNullOrEmpty(value) && dash >= 0) value = inner[(dash + 2)..];
                    if (value is null)
                        problems.Add(new(i, $"environment variable {name} is not set (give a default with ${{{name}:-value}})"));
                    else sb.Append(value);
                }
                i = close + 1;
                continue;
            }
            sb.Append(text[i]);
            i++;
        }
        return sb.ToString();
    }

    /// <summary>Letters, digits and _, not starting with a digit.</summary>
    public static bool IsName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
