using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;

namespace Ballast.Server.Logs;

/// <summary>
/// Runs one supervised loop per file source of <c>logs.sources</c> (a loop that fails is restarted with the
/// supervisor's backoff, resuming from its stored checkpoints). A reload stops the loops of sources that changed or
/// went and starts those that are new or changed; the others read on undisturbed.
/// </summary>
public sealed class LogSourcesService(ConfigState config, ILogIngest ingest, LoopSupervisor supervisor, TimeProvider time, ILoggerFactory logs)
    : BackgroundService, IConfigChangeListener
{
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly ILogger _log = logs.CreateLogger<FileLogSource>();
    private CancellationToken _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (_lock)
        {
            _stopping = stoppingToken;
            Apply(config.Current.Logs.Sources);
        }
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            Task[] loops;
            lock (_lock) loops = _running.Values.Select(r => r.Loop).ToArray();
            await Task.WhenAll(loops);
        }
    }

    public void OnConfigChanged(BallastConfig updated)
    {
        lock (_lock)
            if (_stopping.CanBeCanceled) Apply(updated.Logs.Sources);
    }

    private void Apply(IReadOnlyList<LogSourceConfig> sources)
    {
        var wanted = sources.Where(s => s.File is not null).ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var (name, running) in _running.ToArray())
        {
            if (wanted.TryGetValue(name, out var source) && Same(source, running.Config)) continue;
            running.Stop.Cancel();
            _running.Remove(name);
        }
        foreach (var (name, source) in wanted)
        {
            if (_running.ContainsKey(name)) continue;
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            var loop = supervisor.RunAsync($"logs:{name}", static async (s, ct) =>
            {
                // A fresh reader per run: after a failure it opens the files again and resumes from stored checkpoints.
                using var reader = new FileLogSource(s.Source, s.Ingest, s.Time, s.Log);
                await reader.RunAsync(ct);
            }, (Source: source, Ingest: ingest, Time: time, Log: _log), stop.Token);
            _running[name] = new Running(source, stop, loop);
        }
    }

    // Records compare dictionaries by reference, and every reload binds new ones.
    private static bool Same(LogSourceConfig a, LogSourceConfig b) =>
        a with { Labels = b.Labels } == b && a.Labels.Count == b.Labels.Count
        && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    private sealed record Running(LogSourceConfig Config, CancellationTokenSource Stop, Task Loop);
}
