using System.ComponentModel;
using System.Text.RegularExpressions;

namespace Ballast.Core.Config;

/// <summary>
/// One entry of <c>status_pages:</c>: a public page at <c>/status/{slug}</c> showing chosen monitors, grouped, under
/// names written for the public. Nothing of a monitor but its state and uptime reaches the page, so a public name is
/// required: a monitor's own name shows only when someone writes it there.
/// </summary>
public sealed partial record StatusPageConfig : IValidatableConfig
{
    [Description("The page's address: /status/SLUG. Lowercase letters, digits and '-', unique among pages.")]
    public required string Slug { get; init; }

    [Description("The page's heading, e.g. \"Acme status\".")]
    public required string Title { get; init; }

    [Description("A sentence under the title.")]
    public string? Description { get; init; }

    [Description("Sections of the page, in order, each listing components.")]
    public required IReadOnlyList<StatusGroupConfig> Groups { get; init; }

    /// <summary>Every monitor the page shows, in page order, once each.</summary>
    public IEnumerable<string> MonitorNames() => Groups.SelectMany(g => g.Components).Select(c => c.Monitor).Distinct(StringComparer.Ordinal);

    public void Validate(ConfigValidation validation)
    {
        if (!SlugPattern().IsMatch(Slug))
            validation.Error("slug", $"\"{Slug}\" is not a valid slug: use lowercase letters, digits and '-' (at most 60), starting with a letter or digit");
        if (string.IsNullOrWhiteSpace(Title)) validation.Error("title", "must not be empty");
        if (Groups.Count == 0) validation.Error("groups", "is empty: give at least one group with components");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,59}$")]
    private static partial Regex SlugPattern();
}

/// <summary>A section of a status page (<c>groups:</c>), e.g. "API" or "Website".</summary>
public sealed record StatusGroupConfig : IValidatableConfig
{
    [Description("The section's heading, shown to the public.")]
    public required string Name { get; init; }

    [Description("What the section shows: each a monitor under a public name.")]
    public required IReadOnlyList<StatusComponentConfig> Components { get; init; }

    public void Validate(ConfigValidation validation)
    {
        if (string.IsNullOrWhiteSpace(Name)) validation.Error("name", "must not be empty");
        if (Components.Count == 0) validation.Error("components", "is empty: give at least one component (monitor and name)");
    }
}

/// <summary>One component of a status page: a configured monitor shown under a name for the public.</summary>
public sealed record StatusComponentConfig : IValidatableConfig
{
    [Description("The monitor (by its name under monitors:) whose state and uptime this component shows.")]
    public required string Monitor { get; init; }

    [Description("The name the public sees, e.g. \"Public API\"; the monitor's own name is never shown instead.")]
    public required string Name { get; init; }

    public void Validate(ConfigValidation validation)
    {
        if (string.IsNullOrWhiteSpace(Name)) validation.Error("name", "must not be empty: write the name the public sees");
    }
}
