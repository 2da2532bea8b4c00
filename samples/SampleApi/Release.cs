using System.Globalization;
using System.Text.RegularExpressions;

namespace SampleApi;

/// <summary>
/// Which release of the API this process plays. One code base acts every release of the story: the number comes from
/// <c>BALLAST_RELEASE</c> (<c>162</c>, <c>sample-api.162</c>, <c>:api.web.162</c>), and releases from
/// <see cref="AiBudgetsSince"/> on need the AI token budgets.
/// </summary>
public sealed partial record Release(string Label, int Number)
{
    /// <summary>The release this code is when nothing says otherwise: the one whose contract is checked in.</summary>
    public const int Current = 165;

    /// <summary>The first release that needs <c>AI_MAX_TOKENS_*</c> (the token budget fix).</summary>
    public const int AiBudgetsSince = 165;

    public bool NeedsAiBudgets => Number >= AiBudgetsSince;

    public static Release FromEnvironment()
    {
        var label = Environment.GetEnvironmentVariable("BALLAST_RELEASE");
        if (string.IsNullOrWhiteSpace(label)) return new Release(Current.ToString(CultureInfo.InvariantCulture), Current);
        var digits = TrailingNumber().Match(label);
        return new Release(label, digits.Success ? int.Parse(digits.Value, CultureInfo.InvariantCulture) : Current);
    }

    [GeneratedRegex(@"\d+$")]
    private static partial Regex TrailingNumber();
}
