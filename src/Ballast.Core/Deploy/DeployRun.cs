using System.Diagnostics;
using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>A step failed; it is recorded already, and the run decides what follows (refuse, roll back).</summary>
internal sealed class StepFailedException(string step, string reason) : Exception($"{step}: {reason}");

/// <summary>
/// One deploy or rollback in progress: its steps, its record, its lock. It stands between the pipeline and the
/// person's reporter, so the detail lines of each step (the diff, each check's result) are stored with the step; the
/// service's secret values are masked in them (and in every failure) before they are shown or stored.
/// </summary>
internal sealed class DeployRun(IDeployStore store, TimeProvider time, BallastConfig config, string service, IDeployReporter reporter, string? kind)
    : IDeployReporter
{
    private readonly List<DeployStep> _steps = [];
    private readonly List<string> _details = [];
    private DeployRecord? _record;
    private ServiceSecrets _secrets = ServiceSecrets.None;

    public string Service => service;
    public string? Release { get; set; }

    /// <summary>The commit <see cref="Release"/> was built from, when known.</summary>
    public string? Commit { get; set; }

    public string? RolledBackTo { get; set; }
    public IReadOnlyList<string> EnvNames { get; set; } = [];

    /// <summary>For <c>ballast rollback</c>: the deploy record of the release it takes down.</summary>
    public long? RollbackOf { get; set; }

    public DeployLease? Lease { get; set; }

    /// <summary>Something live may have changed: a failure from here on is rolled back.</summary>
    public bool Changed { get; set; }

    /// <summary>The service's context and provider, once preflight chose them (a rollback after a failure needs them).</summary>
    public DeployContext? Context { get; private set; }

    public IDeployProvider? Provider { get; private set; }

    /// <summary>Preflight passed: what the rest of the run acts with.</summary>
    public (DeployContext, IDeployProvider) Chose((DeployContext Context, IDeployProvider Provider) chosen)
    {
        (Context, Provider) = chosen;
        _secrets = chosen.Context.Secrets;
        return chosen;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (kind is null || !config.Services.ContainsKey(service)) return;
        var record = new DeployRecord { Service = service, Kind = kind, StartedAt = time.GetUtcNow(), Who = DeployPipeline.Who };
        _record = record with { Id = await store.AddAsync(record, cancellationToken) };
    }

    public Task<T> Step<T>(string name, Func<Task<T>> action) => Step(name, action, null)!;

    /// <summary>Runs a step; an exception fails it (and the run) with its message. Skipped steps return default.</summary>
    public async Task<T?> Step<T>(string name, Func<Task<T>> action, string? skipWhen)
    {
        var startedAt = time.GetUtcNow();
        if (skipWhen is not null)
        {
            await RecordAsync(new DeployStep(name, StepOutcome.Skipped, startedAt, TimeSpan.Zero, skipWhen));
            return default;
        }
        Started(name);
        if (Lease is { Lost: true })
        {
            // Another deploy holds the service now: going on would roll out alongside it.
            var lost = $"this deploy lost the lock of {service} (it lapsed after lock_ttl{(Lease.LastRenewalFailure is { } why ? $", renewing it failed: {why}" : "")}, " +
                "or it was broken with --force-unlock) and another deploy holds it now; stopping here";
            await RecordAsync(new DeployStep(name, StepOutcome.Failed, startedAt, TimeSpan.Zero, lost));
            throw new StepFailedException(name, lost);
        }
        using var span = DeployPipeline.Activity.StartActivity($"deploy {name}");
        span?.SetTag("ballast.service", service);
        span?.SetTag("ballast.release", Release);
        var started = time.GetTimestamp();
        try
        {
            var result = await action();
            await RecordAsync(new DeployStep(name, StepOutcome.Passed, startedAt, time.GetElapsedTime(started), Details()));
            return result;
        }
        catch (Exception e) when (e is not (OperationCanceledException or StepFailedException))
        {
            // A DeployException says what to do; anything else (the server went away, a tool printed something
            // unexpected) still fails only this step, with what happened, so the deploy can roll back.
            var reason = _secrets.Apply(e is DeployException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            span?.SetStatus(ActivityStatusCode.Error, reason);
            // The history keeps the lines the step printed before it failed (the checks that passed, what a tool said)
            // above the reason; the reporter has shown those lines already and gets the reason alone.
            var failed = new DeployStep(name, StepOutcome.Failed, startedAt, time.GetElapsedTime(started), reason);
            await RecordAsync(Details() is { } lines ? failed with { Detail = lines + "\n" + reason } : failed, failed);
            throw new StepFailedException(name, reason);
        }
    }

    /// <summary>Shows a spec change and stores the file it replaced with this deploy.</summary>
    public async Task KeepAsync(SpecChange change)
    {
        foreach (var line in change.Lines) Detail(line);
        if (change.Backup is { } backup && _record is not null)
            await store.AddBackupAsync(_record.Id, service, backup, time.GetUtcNow(), CancellationToken.None);
    }

    public void Started(string step)
    {
        lock (_details) _details.Clear();
        reporter.Started(step);
    }

    public void Finished(DeployStep step) => reporter.Finished(step);

    public void Detail(string line)
    {
        line = _secrets.Apply(line);
        lock (_details) _details.Add(line);
        reporter.Detail(line);
    }

    private string? Details()
    {
        lock (_details) return _details.Count == 0 ? null : string.Join('\n', _details);
    }

    private async Task RecordAsync(DeployStep step, DeployStep? shown = null)
    {
        _steps.Add(step);
        Finished(shown ?? step);
        if (_record is not null)
        {
            _record = _record with { Release = Release, Commit = Commit, EnvNames = EnvNames, Steps = _steps.ToArray() };
            await store.UpdateAsync(_record, CancellationToken.None);
        }
    }

    public async Task<DeployRecord> FinishAsync(DeployOutcome outcome, CancellationToken cancellationToken)
    {
        var record = (_record ?? new DeployRecord { Service = service, StartedAt = time.GetUtcNow(), Who = DeployPipeline.Who }) with
        {
            Release = Release,
            Commit = Commit,
            Outcome = outcome,
            FinishedAt = time.GetUtcNow(),
            RolledBackTo = RolledBackTo,
            RollbackOf = RollbackOf,
            EnvNames = EnvNames,
            Steps = _steps.ToArray(),
        };
        if (_record is not null) await store.UpdateAsync(record, cancellationToken);
        return record;
    }
}
