using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>The <c>logs:</c> section: log streams Ballast follows and the rules that open incidents from them.</summary>
public sealed record LogsConfig : IValidatableConfig
{
    [Description("Log streams Ballast reads: files by glob, or lines pushed over HTTP. Process services' replicas need no entry.")]
    public IReadOnlyList<LogSourceConfig> Sources { get; init; } = [];

    [Description("Rules that open incidents from log lines: threshold (too many matches in a window), sequence (A without B within T), absence (nothing for T).")]
    public IReadOnlyList<LogRuleConfig> Rules { get; init; } = [];

    [Description("How pushes to the Loki API (POST /loki/api/v1/push, from Promtail, Grafana Alloy, Vector or Fluent Bit) name their source.")]
    public LokiConfig Loki { get; init; } = new();

    [Description("Streams Ballast reads itself: a systemd unit's journal (journald:).")]
    public IReadOnlyList<LogStreamConfig> Streams { get; init; } = [];

    public void Validate(ConfigValidation validation)
    {
        LogSourceConfig.CheckNames(Sources, validation);
    }
}
