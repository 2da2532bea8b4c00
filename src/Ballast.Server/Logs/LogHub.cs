using System.Collections.Concurrent;
using System.Text;
using Ballast.Core.Diagnostics;
using Ballast.Core.Logs;

namespace Ballast.Server.Logs;

/// <summary>
/// The one <see cref="ILogIngest"/> of the server. Every source hands its lines here: they go to every
/// <see cref="ILogObserver"/> in order, are counted per source and kept in a short ring per source (for tails and the
/// Logs page), and only then is the batch's checkpoint stored. So a stored checkpoint never runs ahead of what the
/// observers saw: after a crash a source resumes from it and at worst hands the last batch again (never skips one).
/// </summary>
public sealed partial class LogHub : ILogIngest
{
    /// <summary>How many recent lines are kept per source.</summary>
    public const int RecentLines = 1000;

    private readonly ILogObserver[] _observers;
    private readonly ILogCheckpointStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, SourceState> _sources = new(StringComparer.Ordinal);
    private long _observerFailures;

    /// <summary>
    /// How far ahead of Ballast's clock a line's own time may be (clocks differ a little); a later one is taken as
    /// received now, as Loki refuses lines too far in the future.
    /// </summary>
    public static readonly TimeSpan FutureAllowance = TimeSpan.FromMinutes(10);

    public LogHub(IEnumerable<ILogObserver> observers, ILogCheckpointStore store, TimeProvider time, ILogger<LogHub> log)
    {
        _observers = observers.ToArray();
        _store = store;
        _time = time;
        _log = log;
    }

    public async ValueTask IngestAsync(IReadOnlyList<LogLine> lines, LogCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (lines.Count > 0)
        {
            var state = _sources.GetOrAdd(lines[0].Source, static name => new SourceState(name));
            // Observers see a source's lines in the order handed, even when two pushes to one source arrive at once.
            var latest = _time.GetUtcNow() + FutureAllowance;
            lock (state)
            {
                foreach (var stated in lines)
                {
                    // Rules run on line times and never go back: one line dated next year would hold them there.
                    var line = stated.Time > latest ? stated with { Time = _time.GetUtcNow() } : stated;
                    foreach (var observer in _observers) Hand(observer, line);
                    state.Add(line);
                }
            }
        }
        if (checkpoint is not null)
            await _store.SaveAsync(lines.Count > 0 ? lines[0].Source : SourceOf(checkpoint.Key), checkpoint, lines.Count, _time.GetUtcNow(), cancellationToken);
    }

    public async ValueTask<LogCheckpoint?> LoadCheckpointAsync(string key, CancellationToken cancellationToken) =>
        await _store.LoadAsync(key, cancellationToken) is { } stored ? new LogCheckpoint(stored.Key, stored.Position) : null;

    /// <summary>Counters of every source that handed a line since start, by name.</summary>
    public IReadOnlyList<LogSourceCounters> Counters() =>
        _sources.Values.Select(s => s.Counters()).OrderBy(c => c.Source, StringComparer.Ordinal).ToArray();

    /// <summary>Up to <paramref name="max"/> of the latest lines of <paramref name="source"/>, oldest first.</summary>
    public IReadOnlyList<LogLine> Recent(string source, int max = RecentLines) =>
        _sources.TryGetValue(source, out var state) ? state.Recent(max) : [];

    /// <summary>Observer calls that threw since start (each is logged; the line still reaches the others).</summary>
    public long ObserverFailures => Interlocked.Read(ref _observerFailures);

    private void Hand(ILogObserver observer, LogLine line)
    {
        try
        {
            observer.Observe(line);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // One faulty observer must not stop a source or starve the others; the first failure and every
            // thousandth after it are logged so a broken rule engine cannot flood the log.
            var failures = Interlocked.Increment(ref _observerFailures);
            if (failures % 1000 == 1) Log.ObserverFailed(_log, e, observer.GetType().Name, line.Source, failures);
        }
    }

    /// <summary>Source keys are <c>kind:source:rest</c>; the source is the second part.</summary>
    private static string SourceOf(string key) => key.Split(':', 3) is [_, var source, ..] ? source : key;

    private sealed class SourceState(string name)
    {
        private readonly LogLine?[] _ring = new LogLine?[RecentLines];
        private int _next;
        private long _lines;
        private long _bytes;
        private DateTimeOffset? _lastLineAt;

        public void Add(LogLine line)
        {
            _ring[_next] = line;
            _next = (_next + 1) % _ring.Length;
            _lines++;
            _bytes += Encoding.UTF8.GetByteCount(line.Text) + 1;
            _lastLineAt = line.Time;
        }

        public LogSourceCounters Counters()
        {
            lock (this) return new LogSourceCounters(name, _lines, _bytes, _lastLineAt);
        }

        public LogLine[] Recent(int max)
        {
            lock (this)
            {
                var count = (int)Math.Min(Math.Min(_lines, _ring.Length), Math.Max(0, max));
                var lines = new LogLine[count];
                for (var i = 0; i < count; i++) lines[i] = _ring[(_next - count + i + _ring.Length) % _ring.Length]!;
                return lines;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.LogSources.ObserverFailed, LogLevel.Error, "A log observer ({Observer}) failed on a line of {Source} (failure {Failures} since start)")]
        public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string source, long failures);
    }
}

/// <summary>What one source handed since the server started: lines, bytes (UTF-8, with line ends) and its last line's time.</summary>
public sealed record LogSourceCounters(string Source, long Lines, long Bytes, DateTimeOffset? LastLineAt);
