using Ballast.Contracts;

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
    public string? Problem(string? value) => EnvContractRules.Problem(Name, KindName, Required, Min, Max, Values, value);

    /// <summary>The kind as the contract JSON spells it.</summary>
    internal string KindName => Kind.ToString().ToLowerInvariant();
}
