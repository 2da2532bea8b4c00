using Microsoft.Extensions.Logging;

namespace Ballast.AspNetCore;

/// <summary>
/// Startup as a sequence of named phases, each logged once with the time since the process started. Complete when the
/// last expected phase is reached; until then /health/startup and /health/ready say where it stands.
/// </summary>
public sealed partial class StartupPhases(BallastHealthOptions options, TimeProvider time, ILogger<StartupPhases> log)
{
    private readonly List<(string Name, DateTimeOffset At)> _reached = [];
    private readonly List<(string Prefix, TaskCompletionSource Done)> _waiting = [];
    private readonly Lock _lock = new();
    private readonly long _started = time.GetTimestamp();

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>Records and logs a phase ("Cache warmed"); a phase named twice is logged once.</summary>
    public void Phase(string name)
    {
        (string Prefix, TaskCompletionSource Done)[] reached;
        lock (_lock)
        {
            if (_reached.Any(p => p.Name == name)) return;
            _reached.Add((name, time.GetUtcNow()));
            reached = _waiting.Where(w => name.StartsWith(w.Prefix, StringComparison.Ordinal)).ToArray();
            _waiting.RemoveAll(w => name.StartsWith(w.Prefix, StringComparison.Ordinal));
        }
        Log.PhaseReached(log, name, time.GetElapsedTime(_started).TotalMilliseconds);
        foreach (var w in reached) w.Done.TrySetResult();
    }

    /// <summary>
    /// Completes once a phase starting with <paramref name="phase"/> is reached (at once if it was): work that must
    /// come after, say, "Listening on port" waits here, so the phases are logged in their order.
    /// </summary>
    public Task WhenReachedAsync(string phase, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_reached.Any(r => r.Name.StartsWith(phase, StringComparison.Ordinal))) return Task.CompletedTask;
            _waiting.Add((phase, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    public IReadOnlyList<(string Name, DateTimeOffset At)> Reached
    {
        get
        {
            lock (_lock) return _reached.ToArray();
        }
    }

    /// <summary>Every expected phase reached ("Listening on port" matches "Listening on port 3697").</summary>
    public bool Completed => Missing.Count == 0;

    /// <summary>The last phase reached, for "stuck after ...".</summary>
    public string LastPhase => Reached is [.., var last] ? last.Name : "process start";

    public TimeSpan Elapsed => time.GetElapsedTime(_started);

    /// <summary>Expected phases not reached yet.</summary>
    public IReadOnlyList<string> Missing =>
        options.Phases.Where(expected => !Reached.Any(r => r.Name.StartsWith(expected, StringComparison.Ordinal))).ToArray();

    internal void ReportStall() =>
        Log.Stalled(log, Math.Round(options.StartupTimeout.TotalSeconds), LastPhase, string.Join(", ", Missing.Select(m => $"\"{m}\"")));

    internal void ReportContractNotMet(string problems) => Log.ContractNotMet(log, problems, LastPhase);

    private static partial class Log
    {
        [LoggerMessage(LogEvents.PhaseReached, LogLevel.Information, "{Phase} (+{ElapsedMs:0}ms)")]
        public static partial void PhaseReached(ILogger logger, string phase, double elapsedMs);

        [LoggerMessage(LogEvents.StartupIncomplete, LogLevel.Critical, "Startup incomplete after {Seconds}s: stuck after phase \"{Phase}\", waiting for {Missing}")]
        public static partial void Stalled(ILogger logger, double seconds, string phase, string missing);

        [LoggerMessage(LogEvents.ContractNotMet, LogLevel.Error, "Environment contract not met: {Problems} (startup after phase \"{Phase}\")")]
        public static partial void ContractNotMet(ILogger logger, string problems, string phase);
    }
}
