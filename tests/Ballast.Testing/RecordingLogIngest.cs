using System.Collections.Concurrent;
using Ballast.Core.Logs;

namespace Ballast.Testing;

/// <summary>
/// An <see cref="ILogIngest"/> that keeps what sources hand it, in order, with their checkpoints, for tests of sources
/// (the server's own ingest is what rules run behind; a source's contract is only this interface).
/// </summary>
public sealed class RecordingLogIngest : ILogIngest
{
    private readonly object _gate = new();
    private readonly List<LogLine> _lines = [];
    private readonly ConcurrentDictionary<string, LogCheckpoint> _checkpoints = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Checkpoints to resume from, as a restarted server would find them.</summary>
    public RecordingLogIngest(params LogCheckpoint[] stored)
    {
        foreach (var checkpoint in stored) _checkpoints[checkpoint.Key] = checkpoint;
    }

    /// <summary>Every batch as handed over, with its checkpoint.</summary>
    public ConcurrentQueue<(IReadOnlyList<LogLine> Lines, LogCheckpoint? Checkpoint)> Batches { get; } = new();

    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_gate) return _lines.ToArray();
        }
    }

    public ValueTask IngestAsync(IReadOnlyList<LogLine> lines, LogCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.AddRange(lines);
            if (checkpoint is not null) _checkpoints[checkpoint.Key] = checkpoint;
            Batches.Enqueue((lines.ToArray(), checkpoint));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask<LogCheckpoint?> LoadCheckpointAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_checkpoints.TryGetValue(key, out var checkpoint) ? checkpoint : null);

    /// <summary>The checkpoint last stored under <paramref name="key"/>.</summary>
    public LogCheckpoint? Checkpoint(string key) => _checkpoints.GetValueOrDefault(key);

    /// <summary>Waits until at least <paramref name="count"/> lines arrived (at most <paramref name="seconds"/>), returning them.</summary>
    public async Task<IReadOnlyList<LogLine>> WaitForLinesAsync(int count, int seconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_lines.Count >= count) return _lines.ToArray();
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"waited {seconds}s for {count} lines, got {Lines.Count}: {string.Join(" | ", Lines.Select(l => l.Text))}");
            }
        }
    }
}
