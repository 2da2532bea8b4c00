using Ballast.Core.Config;
using Polly;
using Polly.Retry;

namespace Ballast.Server.Deploy;

/// <summary>
/// Watches live replicas: one that exits without being asked to leaves the proxy at once, opens the incident of its
/// slot on SERVICE-replicas (<see cref="ReplicaIncidents"/>), and a new one on the same release takes its place once ready, after a backoff of 1 s
/// doubling to 30 s for as long as starting it fails, whatever the failure; the incident resolves then.
/// </summary>
internal sealed class ReplicaSupervisor(ReplicaLauncher launcher, Func<string, ProcessServiceConfig?> configOf, ReplicaIncidents incidents, TimeProvider time,
    ILogger log, CancellationToken stopping)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public void Supervise(ServiceRuntime runtime, Supervised supervised, string directory, IReadOnlyDictionary<string, string> env)
    {
        _ = supervised.Replica.Exited.ContinueWith(exited => WatchAsync(runtime, supervised, directory, env, exited.Result),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Nothing escapes unobserved: a failure of supervision itself is logged as critical, never swallowed.</summary>
    private async Task WatchAsync(ServiceRuntime runtime, Supervised dead, string directory, IReadOnlyDictionary<string, string> env, int exitCode)
    {
        try
        {
            await RestartAsync(runtime, dead, directory, env, exitCode);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server is stopping: the replicas stop with it.
        }
        catch (Exception e)
        {
            DeployLog.SupervisionFailed(log, e, runtime.Name, dead.Replica.Release, dead.Replica.Index);
        }
    }

    private async Task RestartAsync(ServiceRuntime runtime, Supervised dead, string directory, IReadOnlyDictionary<string, string> env, int exitCode)
    {
        if (dead.Replica.Stopping || stopping.IsCancellationRequested) return;
        await runtime.Rollouts.WaitAsync(stopping);
        try
        {
            if (!runtime.Replicas.Contains(dead)) return;
            // Out of the proxy now (a rollout in progress holds the lock; YARP's health checks cover that while).
            runtime.Proxy.Route(runtime.Replicas.Where(s => s != dead).Select(s => s.Replica).ToArray());
            incidents.Failed(runtime.Name, dead.Replica.Index, $"replica {dead.Replica.Index} of {dead.Replica.Release} exited with code {exitCode}");
        }
        finally
        {
            runtime.Rollouts.Release();
        }

        var first = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, dead.Restarts)));
        DeployLog.ReplicaDied(log, runtime.Name, dead.Replica.Release, dead.Replica.Index, exitCode, first.TotalSeconds);
        await Task.Delay(first, time, stopping);
        var restarts = dead.Restarts;
        var retry = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = first * 2,
            MaxDelay = MaxBackoff,
            OnRetry = args =>
            {
                incidents.Failed(runtime.Name, dead.Replica.Index,
                    $"replica {dead.Replica.Index} of {dead.Replica.Release} did not come back: {args.Outcome.Exception?.Message ?? "unknown"}");
                DeployLog.RestartFailed(log, runtime.Name, dead.Replica.Release, dead.Replica.Index, args.Outcome.Exception?.Message ?? "unknown",
                    args.RetryDelay.TotalSeconds);
                return default;
            },
        }).Build();
        await retry.ExecuteAsync(async token =>
        {
            restarts++;
            if (!runtime.Replicas.Contains(dead)) return; // a rollout replaced the release meanwhile
            var process = configOf(runtime.Name) ?? throw new InvalidOperationException($"{runtime.Name} is no longer a process service in ballast.yaml");
            var replica = await launcher.StartReadyAsync(runtime.Name, process, dead.Replica.Release, dead.Replica.Index, directory, env, token);
            await Replace(runtime, dead, new Supervised(replica) { Restarts = restarts }, directory, env, token);
        }, stopping);
    }

    private async Task Replace(ServiceRuntime runtime, Supervised dead, Supervised replacement, string directory, IReadOnlyDictionary<string, string> env,
        CancellationToken cancellationToken)
    {
        try
        {
            await runtime.Rollouts.WaitAsync(cancellationToken);
        }
        catch
        {
            // The server is stopping: the started replacement is nobody's but ours to stop.
            await replacement.Replica.DisposeAsync();
            throw;
        }
        try
        {
            if (!runtime.Replicas.Contains(dead))
            {
                await replacement.Replica.DisposeAsync();
                return;
            }
            runtime.Replicas = runtime.Replicas.Select(s => s == dead ? replacement : s).ToArray();
            runtime.Proxy.Route(runtime.Replicas.Select(s => s.Replica).ToArray());
            incidents.Recovered(runtime.Name, dead.Replica.Index);
        }
        finally
        {
            runtime.Rollouts.Release();
        }
        Supervise(runtime, replacement, directory, env);
        runtime.Proxy.Forget(dead.Replica);
        await dead.Replica.DisposeAsync();
    }
}
