using System.Globalization;

namespace Ballast.AspNetCore;

/// <summary>What a required environment variable must look like.</summary>
public enum EnvKind
{
    String,
    Int,
    Url,
    Bool,
    Enum,
}

/// <summary>One variable of the service's contract: its name, its kind and bounds, and whether it must be set.</summary>
public sealed record EnvRequirement(string Name, EnvKind Kind = EnvKind.String, bool Required = true, long? Min = null, long? Max = null,
    IReadOnlyList<string>? Values = null)
{
    /// <summary>What is wrong with <paramref name="value"/>, or null when it satisfies the requirement.</summary>
    public string? Problem(string? value)
    {
        if (string.IsNullOrEmpty(value)) return Required ? $"{Name} is missing" : null;
        switch (Kind)
        {
            case EnvKind.Int:
                if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return $"{Name} is not a whole number";
                if (Min is { } min && n < min) return $"{Name} is {n}, below the minimum {min}";
                if (Max is { } max && n > max) return $"{Name} is {n}, above the maximum {max}";
                return null;
            case EnvKind.Url:
                return Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Host.Length > 0 ? null : $"{Name} is not an absolute URL";
            case EnvKind.Bool:
                return value is "true" or "false" or "1" or "0" ? null : $"{Name} is not true/false";
            case EnvKind.Enum:
                return Values is null || Values.Contains(value, StringComparer.Ordinal) ? null : $"{Name} is not one of {string.Join(", ", Values!)}";
            default:
                return null;
        }
    }
}
