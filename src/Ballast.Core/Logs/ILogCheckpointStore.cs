namespace Ballast.Core.Logs;

/// <summary>
/// A stored checkpoint: where a source got to under <see cref="LogCheckpoint.Key"/>, and how many lines were accepted
/// under that key in total, counted in the same write as the position so the two never disagree after a crash.
/// </summary>
public sealed record StoredLogCheckpoint(string Key, string Source, string Position, long Lines, DateTimeOffset UpdatedAt);

/// <summary>Where the log hub keeps sources' checkpoints (the <c>log_checkpoints</c> table).</summary>
public interface ILogCheckpointStore
{
    /// <summary>
    /// Stores <paramref name="checkpoint"/> for <paramref name="source"/> and adds <paramref name="lines"/> to the key's
    /// count, in one statement.
    /// </summary>
    Task SaveAsync(string source, LogCheckpoint checkpoint, long lines, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The checkpoint stored under <paramref name="key"/>, or null.</summary>
    Task<StoredLogCheckpoint?> LoadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every stored checkpoint, by key.</summary>
    Task<IReadOnlyList<StoredLogCheckpoint>> ListAsync(CancellationToken cancellationToken);
}
