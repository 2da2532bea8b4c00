namespace Ballast.Core.Deploy;

/// <summary>
/// A deploy's hold on its service's lock. The holder renews it every third of <c>lock_ttl</c> while the deploy runs,
/// so a lock whose holder stopped renewing it (a deployer that crashed or was killed) lapses after <c>lock_ttl</c> and
/// the next deploy takes it over; <c>--force-unlock</c> still breaks a live one.
/// </summary>
public sealed class DeployLease : IAsyncDisposable
{
    private readonly IDeployStore _store;
    private readonly string _service;
    private readonly string _holder;
    private readonly TimeProvider _time;
    private readonly PeriodicTimer _renewal;
    private readonly Task _heartbeat;

    private DeployLease(IDeployStore store, string service, string holder, TimeSpan ttl, TimeProvider time)
    {
        (_store, _service, _holder, _time) = (store, service, holder, time);
        _renewal = new PeriodicTimer(ttl / 3, time);
        _heartbeat = HeartbeatAsync();
    }

    /// <summary>The last renewal that failed (the store unreachable); the next tick tries again, well before the lock lapses.</summary>
    public string? LastRenewalFailure { get; private set; }

    /// <summary>
    /// Another deploy took the lock over (this one stopped renewing it for longer than lock_ttl, or it was forced);
    /// the run fails its next step rather than roll out alongside it.
    /// </summary>
    public bool Lost { get; private set; }

    public static async Task<DeployLease> AcquireAsync(IDeployStore store, string service, string holder, TimeSpan ttl, bool force, IDeployReporter reporter,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (force) await store.ForceUnlockAsync(service, cancellationToken);
        var now = time.GetUtcNow();
        if (await store.TryLockAsync(service, holder, now, cancellationToken) is { } held)
        {
            if (now - held.Since < ttl) throw Held(service, held, ttl);
            reporter.Detail($"the lock of {held.Holder} lapsed (last renewed {held.Since:u}, lock_ttl {Config.Duration.Format(ttl)}): taking it over");
            // Only that holder's lock is broken: a deploy racing this one for it finds the lock the winner took.
            await store.UnlockAsync(service, held.Holder, cancellationToken);
            if (await store.TryLockAsync(service, holder, time.GetUtcNow(), cancellationToken) is { } winner) throw Held(service, winner, ttl);
        }
        return new DeployLease(store, service, holder, ttl, time);
    }

    private static DeployException Held(string service, DeployLock held, TimeSpan ttl) =>
        new($"{service} is being deployed by {held.Holder} (lock last renewed {held.Since:u}); if that deploy crashed, its lock lapses at " +
            $"{held.Since + ttl:u} (lock_ttl), or break it now with --force-unlock");

    private async Task HeartbeatAsync()
    {
        while (await _renewal.WaitForNextTickAsync())
        {
            try
            {
                if (!await _store.RenewLockAsync(_service, _holder, _time.GetUtcNow(), CancellationToken.None))
                {
                    Lost = true;
                    return;
                }
                LastRenewalFailure = null;
            }
            catch (Exception e)
            {
                // Whatever the store threw (a cancellation from its driver included), the heartbeat goes on: the
                // next tick tries again, and disposing still releases the lock.
                LastRenewalFailure = $"{e.GetType().Name}: {e.Message}";
            }
        }
    }

    /// <summary>Stops renewing and releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        _renewal.Dispose();
        try
        {
            await _heartbeat;
        }
        finally
        {
            // Only this holder's lock: a deploy that took it over keeps it.
            await _store.UnlockAsync(_service, _holder, CancellationToken.None);
        }
    }
}
