using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>The <c>logs:</c> section: log streams Ballast follows and the rules that open incidents from them.</summary>
public sealed record LogsConfig
{
    [Description("How pushes to the Loki API (POST /loki/api/v1/push, from Promtail, Grafana Alloy, Vector or Fluent Bit) name their source.")]
    public LokiConfig Loki { get; init; } = new();

    [Description("Streams Ballast reads itself: a systemd unit's journal (journald:).")]
    public IReadOnlyList<LogStreamConfig> Streams { get; init; } = [];
}
