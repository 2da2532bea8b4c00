using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>
/// One monitor's loop and its state. A replacement (after a config change) shares the state machine and its lock
/// with the runtime it replaces; the replaced one is retired first, after which its loop may not record.
/// </summary>
internal sealed class MonitorRuntime(MonitorConfig config, string fingerprint, MonitorStateMachine machine, HeartbeatClock? heartbeat, Lock stateLock,
    CancellationToken stopping)
{
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MonitorConfig Config { get; } = config;
    public string Fingerprint { get; } = fingerprint;
    public MonitorStateMachine Machine { get; } = machine;
    public HeartbeatClock? Heartbeat { get; } = heartbeat;
    public CancellationTokenSource Cancellation { get; } = CancellationTokenSource.CreateLinkedTokenSource(stopping);

    /// <summary>Guards the state machine and heartbeat clock; the same object for every runtime of one monitor.</summary>
    public Lock Lock { get; } = stateLock;

    /// <summary>This monitor's loop; for a paused runtime, the loop of the one it replaced (still finishing).</summary>
    public Task? Loop { get; set; }

    /// <summary>Set under <see cref="Lock"/> when replaced or removed: from then on its loop's results are dropped.</summary>
    public bool Retired { get; private set; }

    /// <summary>True once a loop of this runtime failed: the restarted loop checks at once instead of at its usual spot.</summary>
    public bool Faulted { get; set; }

    public void Retire()
    {
        lock (Lock) Retired = true;
        Cancellation.Cancel();
    }

    // What the loop is parked on: the timer it awaits, or a restart marker; null while it works. A timer that fires or
    // is cancelled late only clears its own wait, since it compares with itself.
    private object? _parkedOn;

    /// <summary>True while the loop waits on the clock (not probing, not recording): what a test waits for before moving a fake clock.</summary>
    public bool Parked => Volatile.Read(ref _parkedOn) is not null || Loop is null || Loop.IsCompleted;

    /// <summary>The loop failed and waits out the supervisor's backoff: that is waiting on the clock too.</summary>
    public void ParkForRestart() => Volatile.Write(ref _parkedOn, new object());

    /// <summary>The loop (re)started and is working until its next wait.</summary>
    public void Unpark() => Volatile.Write(ref _parkedOn, null);

    public void Wake()
    {
        Volatile.Write(ref _parkedOn, null);
        Interlocked.Exchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Awaits a timer already registered; unparks the moment it fires, even before the loop resumes.</summary>
    public Task Park(Task timer)
    {
        Volatile.Write(ref _parkedOn, timer);
        // Static, with the runtime as state: a wait keeps no closure of its own for the seconds it lasts.
        timer.ContinueWith(static (fired, runtime) => { Interlocked.CompareExchange(ref ((MonitorRuntime)runtime!)._parkedOn, null, fired); }, this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return timer;
    }

    /// <summary>Waits for <paramref name="delay"/> or a <see cref="Wake"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan delay, TimeProvider time)
    {
        var wake = Volatile.Read(ref _wake).Task;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Cancellation.Token);
        await Task.WhenAny(Park(Task.Delay(delay, time, cts.Token)), wake);
        await cts.CancelAsync();
        Cancellation.Token.ThrowIfCancellationRequested();
    }
}
