using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Ballast.Core.Config;

/// <summary>
/// The keys of a config record as they appear in YAML: <c>FailureThreshold</c> is <c>failure_threshold</c>.
/// Shared by the binder and the JSON schema so the two cannot disagree.
/// </summary>
public sealed record ConfigProperty(string Key, PropertyInfo Property, bool Required, bool Secret, string? Description);

public static class ConfigShape
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<ConfigProperty>> Cache = new();

    public static IReadOnlyList<ConfigProperty> PropertiesOf(Type type) => Cache.GetOrAdd(type, static t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetCustomAttribute<ConfigIgnoreAttribute>() is null
                        && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .OrderBy(p => p.DeclaringType == t ? 1 : 0) // inherited (common) keys first
            .ThenBy(p => p.MetadataToken)
            .Select(p => new ConfigProperty(
                SnakeCase(p.Name), p,
                p.GetCustomAttribute<RequiredMemberAttribute>() is not null,
                p.GetCustomAttribute<SecretAttribute>() is not null,
                p.GetCustomAttribute<DescriptionAttribute>()?.Description))
            .ToArray());

    public static ConfigUnionAttribute? UnionOf(Type type) => type.GetCustomAttribute<ConfigUnionAttribute>();

    public static IReadOnlyList<ConfigCaseAttribute> CasesOf(Type type) =>
        type.GetCustomAttributes<ConfigCaseAttribute>().ToArray();

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Enum member names as written in YAML.</summary>
    public static string EnumKey(Enum value) => SnakeCase(value.ToString());

    /// <summary>The closest candidate to <paramref name="input"/>, when it is close enough to be a likely typo.</summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) { best = candidate; bestDistance = d; }
        }
        return best is not null && bestDistance <= Math.Max(2, input.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
