using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>
/// <c>logs.loki:</c> which stream label of a Loki push names the Ballast source its lines belong to. Without a
/// <c>sources</c> map the label's value is the source's name.
/// </summary>
public sealed record LokiConfig : IValidatableConfig
{
    [Description("The stream label whose value names the source (default job, which Promtail and Alloy set from their scrape config).")]
    public string SourceLabel { get; init; } = "job";

    [Description("Label value to source name, e.g. { api-prod: api }; values not listed are their own source name.")]
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    [Description("The source of streams without the label; when unset, a push with such a stream is refused (400) saying which one.")]
    public string? DefaultSource { get; init; }

    /// <summary>The source of a stream whose <see cref="SourceLabel"/> is <paramref name="value"/> (null when absent).</summary>
    public string? SourceOf(string? value) =>
        value is null ? DefaultSource : Sources.TryGetValue(value, out var mapped) ? mapped : value;

    public void Validate(ConfigValidation validation)
    {
        if (string.IsNullOrWhiteSpace(SourceLabel)) validation.Error("source_label", "must not be empty (the default is job)");
        foreach (var (label, source) in Sources)
            if (string.IsNullOrWhiteSpace(source)) validation.Error($"sources.{label}", "must name a source");
        if (DefaultSource is { } d && string.IsNullOrWhiteSpace(d)) validation.Error("default_source", "must not be empty: remove it to refuse unlabelled streams");
    }
}

/// <summary>
/// One entry of <c>logs.streams:</c>: a source that Ballast reads by running a command. Today a systemd unit's journal
/// (<c>journald:</c>); further kinds (a Lightsail container's log) become sibling keys, exactly one given.
/// </summary>
public sealed record LogStreamConfig : IValidatableConfig
{
    [Description("The source name rules and tails refer to, e.g. api.")]
    public required string Name { get; init; }

    [Description("Follow a systemd unit's journal: journalctl -o json -f -u UNIT.")]
    public JournaldStreamConfig? Journald { get; init; }

    public void Validate(ConfigValidation validation)
    {
        if (string.IsNullOrWhiteSpace(Name)) validation.Error("name", "must not be empty");
        if (Journald is null) validation.Error("journald", "is missing: give the stream's kind, journald: { unit: api.service }");
    }
}

/// <summary><c>journald:</c> of a log stream: the unit whose journal is followed.</summary>
public sealed record JournaldStreamConfig : IValidatableConfig
{
    [Description("The systemd unit, e.g. api.service.")]
    public required string Unit { get; init; }

    [Description("The journalctl program to run (a name on PATH or a path).")]
    public string Command { get; init; } = "journalctl";

    public void Validate(ConfigValidation validation)
    {
        if (string.IsNullOrWhiteSpace(Unit)) validation.Error("unit", "must name a systemd unit, e.g. api.service");
        if (string.IsNullOrWhiteSpace(Command)) validation.Error("command", "must not be empty");
    }
}
