using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>
/// One entry of <c>logs.sources:</c>. With <c>file:</c> Ballast follows the files matching the glob; without it the
/// source takes lines pushed to <c>POST /api/v1/logs/NAME</c> (and so from <c>ballast logs ingest --source NAME</c>).
/// A process service's replicas are a source of their own, named after the service, without an entry here.
/// </summary>
public sealed record LogSourceConfig : IValidatableConfig
{
    [Description("The source's name, as rules, the API and `ballast logs ingest --source` name it; unique among sources. A source named like a process service also gets its replicas' lines.")]
    public required string Name { get; init; }

    [Description("A file or glob to follow (`*` and `?` in the last part of the path, e.g. /var/log/api/*.log); rotated files ending .gz are skipped. Without it, the source takes pushed lines.")]
    public string? File { get; init; }

    [Description("Labels every line of the source carries, e.g. { env: prod }.")]
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    [Description("How often a file source looks for new lines, new files and rotation; file system events only make it look sooner.")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public void Validate(ConfigValidation validation)
    {
        if (!Names.Valid().IsMatch(Name)) validation.Error("name", $"\"{Name}\" is not a valid source name: {Names.Rule}");
        if (File is not null)
        {
            if (string.IsNullOrWhiteSpace(File)) validation.Error("file", "is empty: give a file or a glob such as /var/log/api/*.log");
            else if (Path.GetDirectoryName(File) is { } folder && folder.IndexOfAny(['*', '?']) >= 0)
                validation.Error("file", $"\"{File}\" has a wildcard in a folder; only the file name may have * and ?");
        }
        if (PollInterval < TimeSpan.FromMilliseconds(50) || PollInterval > TimeSpan.FromMinutes(1))
            validation.Error("poll_interval", "must be between 50ms and 1m");
    }

    /// <summary>Reports sources named twice.</summary>
    public static void CheckNames(IReadOnlyList<LogSourceConfig> sources, ConfigValidation validation)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
            if (!seen.Add(sources[i].Name))
                validation.Error($"sources[{i}].name", $"\"{sources[i].Name}\" names another source already");
    }
}
