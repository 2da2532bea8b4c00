using System.Collections.Concurrent;
using System.Diagnostics;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Supervision;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Monitoring;

/// <summary>What a push to a heartbeat URL did.</summary>
public enum PushOutcome
{
    Recorded,
    UnknownToken,
    Paused,

    /// <summary>The push came as a GET or HEAD to a heartbeat that does not take them (<c>push_via_get</c>); nothing was recorded.</summary>
    GetNotAllowed,
}

/// <summary>
/// Runs every monitor on its own cadence: one loop per monitor, first runs spread across the interval, a global bound
/// on checks in flight, a timeout per check, and nothing but memory on the probe path (results go to a non-blocking
/// sink). Holds its state in instances, never statics, so several engines can live in one process. Each monitor has
/// exactly one loop and one state machine at any time: a loop that throws is restarted by the <see cref="LoopSupervisor"/>
/// with its failure recorded as a failed check, and a loop replaced by a config change finishes before its successor starts.
/// </summary>
public sealed partial class MonitoringEngine : IAsyncDisposable
{
    public static readonly ActivitySource Activity = new("Ballast.Monitoring");

    private readonly Dictionary<string, IProbe> _probes;
    private readonly IMonitoringSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly LoopSupervisor _supervisor;
    private readonly LoopSupervisor? _ownSupervisor;
    private readonly ConcurrentDictionary<string, MonitorRuntime> _monitors = new(StringComparer.Ordinal);
    private readonly Lock _applyLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, MonitorRuntime> _byToken = [];
    private MonitorRuntime[] _byName = [];
    private SemaphoreSlim _gate = new(512);

    private readonly long _wakeTicks;
    private readonly IIncidentListener[] _incidentListeners;
    private readonly IMonitorStateListener[] _stateListeners;

    public MonitoringEngine(IEnumerable<IProbe> probes, IMonitoringSink sink, TimeProvider time, ILogger<MonitoringEngine> log,
        MonitoringEngineOptions? options = null, LoopSupervisor? supervisor = null, IEnumerable<IIncidentListener>? incidentListeners = null,
        IEnumerable<IMonitorStateListener>? stateListeners = null)
    {
        _incidentListeners = incidentListeners?.ToArray() ?? [];
        _stateListeners = stateListeners?.ToArray() ?? [];
        _probes = probes.ToDictionary(p => p.Type, StringComparer.Ordinal);
        _sink = sink;
        _time = time;
        _log = log;
        _supervisor = supervisor ?? (_ownSupervisor = new LoopSupervisor(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<LoopSupervisor>.Instance));
        _wakeTicks = (options ?? new()).WakeGranularity.Ticks;
    }

    public SchedulerStats Stats { get; } = new();

    /// <summary>Starts monitoring, resuming from the states and open incidents saved before a restart.</summary>
    public void Start(IReadOnlyList<MonitorConfig> monitors, int maxConcurrentChecks,
        IReadOnlyDictionary<string, MonitorStatus> saved, IReadOnlyDictionary<string, Incident> openIncidents)
    {
        _gate = new SemaphoreSlim(maxConcurrentChecks);
        Apply(monitors, saved, openIncidents);
    }

    /// <summary>Applies a new list of monitors: unchanged ones keep running untouched, changed ones restart with their state, removed ones stop.</summary>
    public void Apply(IReadOnlyList<MonitorConfig> monitors) =>
        Apply(monitors, new Dictionary<string, MonitorStatus>(), new Dictionary<string, Incident>());

    private void Apply(IReadOnlyList<MonitorConfig> monitors, IReadOnlyDictionary<string, MonitorStatus> saved,
        IReadOnlyDictionary<string, Incident> openIncidents)
    {
        lock (_applyLock)
        {
            var wanted = monitors.ToDictionary(m => m.Name, StringComparer.Ordinal);
            foreach (var (name, runtime) in _monitors)
                if (!wanted.ContainsKey(name))
                {
                    runtime.Retire();
                    _monitors.TryRemove(name, out _);
                    Log.MonitorRemoved(_log, name);
                }
            var now = _time.GetUtcNow();
            foreach (var config in monitors)
            {
                var fingerprint = ConfigPrinter.Fingerprint(config);
                if (_monitors.TryGetValue(config.Name, out var existing))
                {
                    if (existing.Fingerprint == fingerprint) continue;
                    // Retired under the state's lock: a check the old loop is recording finishes first, any later one is dropped.
                    existing.Retire();
                    Log.MonitorChanged(_log, config.Name);
                }
                var machine = existing?.Machine ?? new MonitorStateMachine(
                    saved.GetValueOrDefault(config.Name) ?? new MonitorStatus(config.Name, MonitorState.Unknown),
                    openIncidents.GetValueOrDefault(config.Name));
                var stateLock = existing?.Lock ?? new Lock();
                lock (stateLock)
                {
                    var before = machine.Status.State;
                    machine.SetPaused(config.Paused, now);
                    if (machine.Status.State != before) TellStateChanged(config, machine.Status);
                }
                var heartbeat = config is HeartbeatMonitorConfig
                    ? existing?.Heartbeat ?? new HeartbeatClock(now, machine.Status.LastSuccessAt)
                    : null;
                var runtime = new MonitorRuntime(config, fingerprint, machine, heartbeat, stateLock, _stopping.Token);
                _monitors[config.Name] = runtime;
                runtime.Loop = config.Paused ? existing?.Loop : StartLoop(runtime, existing?.Loop);
            }
            // A heartbeat without a token (storage has not given it one) takes no pushes: its name is never a token.
            var byToken = new Dictionary<string, MonitorRuntime>(StringComparer.Ordinal);
            foreach (var runtime in _monitors.Values)
                if (runtime.Config is HeartbeatMonitorConfig { Token: { } token }) byToken.TryAdd(token, runtime);
            _byToken = byToken;
            _byName = _monitors.Values.OrderBy(r => r.Config.Name, StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>The current status of every monitor, with its config, by name (sorted when monitors change, not per call).</summary>
    public IReadOnlyList<(MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)> Snapshot() =>
        Array.ConvertAll(_byName, r =>
        {
            lock (r.Lock) return (r.Config, r.Machine.Status, r.Machine.OpenIncident);
        });

    /// <summary>The current status of one monitor, with its config, or null when no monitor has that name.</summary>
    public (MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)? Find(string name)
    {
        if (!_monitors.TryGetValue(name, out var r)) return null;
        lock (r.Lock) return (r.Config, r.Machine.Status, r.Machine.OpenIncident);
    }

    /// <summary>A job's report on its push URL; <paramref name="viaGet"/> when it came as a GET or HEAD.</summary>
    public PushOutcome Push(string token, HeartbeatSignal signal, int exitCode = 0, string? message = null, bool viaGet = false)
    {
        if (!_byToken.TryGetValue(token, out var runtime)) return PushOutcome.UnknownToken;
        var config = (HeartbeatMonitorConfig)runtime.Config;
        if (viaGet && !config.PushViaGet) return PushOutcome.GetNotAllowed;
        if (config.Paused) return PushOutcome.Paused;
        var clock = runtime.Heartbeat!;
        var now = _time.GetUtcNow();
        lock (runtime.Lock)
        {
            if (signal == HeartbeatSignal.Start) clock.Started(now);
            else
            {
                var startedAt = clock.RunStartedAt;
                var duration = clock.Finished(now);
                var failed = signal == HeartbeatSignal.Fail || signal == HeartbeatSignal.ExitCode && exitCode != 0;
                var detail = string.IsNullOrWhiteSpace(message) ? "" : $": {ShortText.Truncate(message.Trim(), 200)}";
                var (passed, cause) = failed
                    ? (false, (signal == HeartbeatSignal.Fail ? "job reported failure" : $"job exited with code {exitCode}") + detail)
                    : new Observation { RunDuration = duration }.Judge(config);
                Record(runtime, new CheckResult(config.Name, startedAt ?? now, duration ?? TimeSpan.Zero, passed, cause));
            }
        }
        runtime.Wake();
        return PushOutcome.Recorded;
    }

    private async Task StartLoop(MonitorRuntime runtime, Task? replaced)
    {
        // Off the caller's thread (Apply starts every loop under its lock) and off any synchronization context it has.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        // One loop per monitor: the one being replaced ends (it was cancelled and can no longer record) before this one starts.
        if (replaced is not null) await replaced.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // Static delegates and the state passed in: 10,000 loops keep no closure each.
        await _supervisor.RunAsync("monitor/" + runtime.Config.Name, static (s, _) =>
        {
            s.Runtime.Unpark();
            return s.Runtime.Config is HeartbeatMonitorConfig ? s.Engine.RunHeartbeatAsync(s.Runtime) : s.Engine.RunProbesAsync(s.Runtime);
        }, (Engine: this, Runtime: runtime), runtime.Cancellation.Token, static (s, e) => s.Engine.RecordFault(s.Runtime, e));
    }

    /// <summary>A loop threw: the check it was making is recorded as failed (so it shows, and counts towards an incident).</summary>
    private Task RecordFault(MonitorRuntime runtime, Exception exception)
    {
        Stats.LoopFaulted();
        Log.LoopFailed(_log, runtime.Config.Name, exception.GetType().Name, exception.Message);
        runtime.Faulted = true;
        runtime.ParkForRestart();
        Record(runtime, new CheckResult(runtime.Config.Name, _time.GetUtcNow(), TimeSpan.Zero, false,
            $"internal error in Ballast: {exception.GetType().Name}: {ShortText.Truncate(exception.Message, 200)}"), fromLoop: true);
        return Task.CompletedTask;
    }

    private async Task RunProbesAsync(MonitorRuntime runtime)
    {
        var config = runtime.Config;
        var ct = runtime.Cancellation.Token;
        var probe = _probes[config.Type];
        var planned = _time.GetUtcNow() + (runtime.Faulted ? TimeSpan.Zero : FirstRunOffset(config.Name, config.Interval));
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = WakeTime(planned) - _time.GetUtcNow();
                if (wait > TimeSpan.Zero) await runtime.Park(Task.Delay(wait, _time, ct));
                await _gate.WaitAsync(ct);
                CheckResult result;
                try
                {
                    var startedAt = _time.GetUtcNow();
                    Stats.Started(startedAt - planned);
                    result = await CheckAsync(config, probe, startedAt, ct);
                }
                finally
                {
                    _gate.Release();
                }
                Stats.Completed();
                if (!Record(runtime, result, fromLoop: true)) return;

                var cadence = result.Passed && runtime.Machine.OpenIncident is null ? config.Interval : config.EffectiveRetryInterval;
                planned += cadence;
                var now = _time.GetUtcNow();
                if (planned < now)
                {
                    // The check overran its slot: skip the slots it covered rather than firing a burst to catch up.
                    var missed = (long)Math.Ceiling((now - planned) / cadence);
                    Stats.Missed(missed);
                    planned += cadence * missed;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped or replaced
        }
    }

    /// <summary>One check, with the monitor's timeout; never throws for what the target does.</summary>
    public async Task<CheckResult> CheckAsync(MonitorConfig config, IProbe probe, DateTimeOffset startedAt, CancellationToken ct)
    {
        using var activity = Activity.StartActivity("probe " + config.Type);
        activity?.SetTag("ballast.monitor", config.Name);
        using var timeout = new CancellationTokenSource(config.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
        var start = _time.GetTimestamp();
        Observation observation;
        try
        {
            observation = await probe.ProbeAsync(config, linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            observation = Observation.NoAnswer($"timed out after {Duration.Format(config.Timeout)}");
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Log.ProbeCrashed(_log, e, config.Name);
            observation = Observation.NoAnswer($"probe error: {e.Message}");
        }
        var (passed, cause) = observation.Judge(config);
        activity?.SetTag("ballast.passed", passed);
        return new CheckResult(config.Name, startedAt, observation.ResponseTime ?? _time.GetElapsedTime(start), passed, cause, observation.Status);
    }

    private async Task RunHeartbeatAsync(MonitorRuntime runtime)
    {
        var config = (HeartbeatMonitorConfig)runtime.Config;
        var ct = runtime.Cancellation.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                DateTimeOffset deadline;
                string reason;
                lock (runtime.Lock) (deadline, reason) = runtime.Heartbeat!.Deadline(config);
                var now = _time.GetUtcNow();
                if (now < deadline)
                {
                    await runtime.WaitAsync(deadline - now, _time);
                    continue;
                }
                Stats.Started(now - deadline);
                Stats.Completed();
                if (!Record(runtime, new CheckResult(config.Name, now, TimeSpan.Zero, false, reason), fromLoop: true)) return;
                // Still late: say so again each interval (as checks), or sooner if a ping arrives.
                await runtime.WaitAsync(config.Interval, _time);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped or replaced
        }
    }

    /// <summary>Applies a result to the monitor's state; a loop's result is dropped once its runtime was retired (returns false).</summary>
    private bool Record(MonitorRuntime runtime, CheckResult result, bool fromLoop = false)
    {
        // Every cause starts here, so text a database would refuse never reaches a status, an incident or an alert.
        var cause = StoredText.Clean(result.Cause);
        if (!ReferenceEquals(cause, result.Cause)) result = result with { Cause = cause };
        Incident? changed;
        MonitorStatus status;
        lock (runtime.Lock)
        {
            if (fromLoop && runtime.Retired) return false;
            var before = runtime.Machine.Status;
            changed = runtime.Machine.Apply(result, runtime.Config, NewIncidentId);
            status = runtime.Machine.Status;
            _sink.Record(new CheckRecord(result, status, changed, runtime.Machine.StatusChanged));
            // Under the lock, so listeners see one monitor's changes in the order they happened.
            if (status.State != before.State || status.IncidentId != before.IncidentId) TellStateChanged(runtime.Config, status);
        }
        if (changed is null) return true;
        if (changed.IsOpen) Log.IncidentOpened(_log, changed.Monitor, changed.Id, changed.Cause, changed.TimeToDetect.TotalSeconds);
        else Log.IncidentResolved(_log, changed.Monitor, changed.Id, changed.TimeToRecover!.Value.TotalSeconds);
        foreach (var listener in _incidentListeners) listener.OnIncidentChanged(changed, runtime.Config, status);
        return true;
    }

    private void TellStateChanged(MonitorConfig config, MonitorStatus status)
    {
        foreach (var listener in _stateListeners) listener.OnMonitorChanged(config, status);
    }

    private string NewIncidentId() => Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");

    /// <summary>
    /// The planned time rounded up to the wake grid: monitors due within the same few milliseconds wake together, so the
    /// thread pool handles them in one burst instead of waking a thread per check.
    /// </summary>
    private DateTimeOffset WakeTime(DateTimeOffset planned)
    {
        if (_wakeTicks <= 1) return planned;
        var remainder = planned.UtcTicks % _wakeTicks;
        return remainder == 0 ? planned : planned.AddTicks(_wakeTicks - remainder);
    }

    /// <summary>A stable spot within the interval, so first runs spread out and a restart keeps the same rhythm.</summary>
    internal static TimeSpan FirstRunOffset(string name, TimeSpan interval)
    {
        var hash = 2166136261u;
        foreach (var c in name) hash = (hash ^ c) * 16777619u;
        return TimeSpan.FromTicks((long)(hash % (ulong)Math.Max(1, interval.Ticks)));
    }

    /// <summary>Completes when every monitor loop is waiting on the clock; lets tests move a fake clock without racing the loops.</summary>
    internal async Task WhenParkedAsync(TimeSpan? timeout = null)
    {
        var limit = TimeProvider.System.GetTimestamp();
        while (!_monitors.Values.All(r => r.Parked))
        {
            if (TimeProvider.System.GetElapsedTime(limit) > (timeout ?? TimeSpan.FromSeconds(15)))
                throw new TimeoutException("monitor loops did not settle");
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System);
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        var loops = _monitors.Values.Select(r => r.Loop).OfType<Task>().ToArray();
        try
        {
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Log.StopTimedOut(_log, loops.Count(t => !t.IsCompleted));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        _gate.Dispose();
        Stats.Dispose();
        _ownSupervisor?.Dispose();
    }
}
