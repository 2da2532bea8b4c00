namespace Ballast.Core.Config;

/// <summary>One problem in a config file, located precisely enough for an editor to jump to it.</summary>
/// <param name="File">The file the problem is in.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Path">Key path such as <c>monitors[2].interval</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong and, where possible, what would be right.</param>
public sealed record ConfigError(string File, int Line, int Column, string Path, string Message)
{
    public override string ToString() =>
        Path.Length == 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}:{Line}:{Column}: {Path}: {Message}";
}

/// <summary>Thrown where a config must be valid to go on; carries every problem found, not just the first.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
