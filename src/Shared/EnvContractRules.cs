using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ballast.Contracts;

/// <summary>
/// The environment contract's rules, compiled into both Ballast.AspNetCore (the service judging its own environment
/// and reporting <c>envFingerprint</c> in /version) and Ballast.Core (the deployer judging the environment it is about
/// to deliver and predicting that fingerprint). One source, so the two ends cannot drift apart; internal in each, so
/// the package for watched services still depends on nothing of Ballast's.
/// </summary>
internal static class EnvContractRules
{
    /// <summary>The kinds a contract variable may have, as the contract JSON spells them.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["string", "int", "url", "bool", "enum"];

    /// <summary>What is wrong with <paramref name="value"/> for the variable, or null: names and reasons, never the value.</summary>
    public static string? Problem(string name, string kind, bool required, long? min, long? max, IReadOnlyList<string>? values, string? value)
    {
        if (string.IsNullOrEmpty(value)) return required ? $"{name} is missing" : null;
        switch (kind)
        {
            case "int":
                if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return $"{name} is not a whole number";
                if (min is { } lowest && n < lowest) return $"{name} is {n}, below the minimum {lowest}";
                if (max is { } highest && n > highest) return $"{name} is {n}, above the maximum {highest}";
                return null;
            case "url":
                return Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Host.Length > 0 ? null : $"{name} is not an absolute URL";
            case "bool":
                return value is "true" or "false" or "1" or "0" ? null : $"{name} is not true/false";
            case "enum":
                return values is null || values.Contains(value, StringComparer.Ordinal) ? null : $"{name} is not one of {string.Join(", ", values)}";
            default:
                return null;
        }
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of the sorted names of the contract's variables that are set, joined by newlines:
    /// which variables a release got, never their values.
    /// </summary>
    public static string Fingerprint(IEnumerable<string> contractNames, Func<string, bool> isSet)
    {
        var set = contractNames.Where(isSet).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', set))));
    }
}
