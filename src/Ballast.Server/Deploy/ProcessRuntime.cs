using Ballast.Core;
using System.Collections.Concurrent;
using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Server.Hosting;

namespace Ballast.Server.Deploy;

/// <summary>
/// The process provider's runtime inside <c>ballast serve</c>: for each process service, a YARP proxy on its public
/// address and the replicas of its live release. A rollout starts the new release's replicas, waits until each is
/// ready, routes new requests to them, waits for the old ones' requests to finish (at most drain_timeout), then stops
/// the old replicas (SIGTERM, SIGKILL after stop_timeout), so no request fails. Release folders, replica launch,
/// supervision and the proxy's traffic switch each live in their own type; when the server starts, the last release
/// that passed verification is started again.
/// </summary>
public sealed class ProcessRuntime : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ServiceRuntime>>> _services = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _restoring = [];
    private readonly ConfigState _config;
    private readonly IDeployStore _deploys;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<ProcessRuntime> _log;
    private readonly ReplicaLauncher _launcher;
    private readonly ReplicaSupervisor _supervisor;
    private readonly ReplicaIncidents _incidents;
    private readonly LiveReplicas _live = new();

    public ProcessRuntime(ConfigState config, IDeployStore deploys, IMonitoringSink checks, IMonitoringStore monitoring, AlertPlanner alerts, TimeProvider time,
        ILoggerFactory loggers, ILogger<ProcessRuntime> log, IHttpClientFactory clients, Core.Logs.ILogIngest? logs = null)
    {
        (_config, _deploys, _time, _loggers, _log) = (config, deploys, time, loggers, log);
        _launcher = new ReplicaLauncher(new ReplicaPorts(), _live, clients.CreateClient(ReplicaLauncher.ClientName), time, log, logs);
        _incidents = new ReplicaIncidents(checks, monitoring, alerts, time);
        _supervisor = new ReplicaSupervisor(_launcher, name => config.Current.Services.GetValueOrDefault(name)?.ProviderConfig as ProcessServiceConfig, _incidents, time, log, _stopping.Token);
    }

    /// <summary>Where releases' files are kept: .ballast/releases/SERVICE/RELEASE next to ballast.yaml.</summary>
    public string ReleasesDirectory(string service) => ReleaseFiles.Root(BaseDirectory, service);

    private string BaseDirectory => Path.GetDirectoryName(_config.Current.SourcePath) ?? Directory.GetCurrentDirectory();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Each process service's address answers from the start (503 until a release is live), and the release that
        // was live when the server last stopped is started again, in the background.
        foreach (var (name, service) in _config.Current.Services)
        {
            if (service.ProviderConfig is not ProcessServiceConfig) continue;
            try
            {
                await GetAsync(name);
            }
            catch (RolloutException e)
            {
                // One service's address taken must not stop monitoring; the next rollout tries to listen again.
                DeployLog.CannotListen(_log, name, e.Message);
                continue;
            }
            _restoring.Add(RestoreAsync(name, service));
        }
    }

    /// <summary>
    /// Starts the last release that passed verification, with the environment this server's config gives it. Never
    /// throws: whatever stops one service coming back is logged, and the server (and the other services) go on.
    /// </summary>
    private async Task RestoreAsync(string name, ServiceConfig service)
    {
        try
        {
            await _incidents.ResumeAsync(name, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            // Storage is down or holds what this version cannot read: the replicas' incidents start afresh, but the
            // service still comes back.
            DeployLog.IncidentsNotResumed(_log, name, e.Message);
        }
        try
        {
            if ((await _deploys.LastDeployedAsync(name, null, null, _stopping.Token))?.Release is not { } release) return;
            if ((await GetAsync(name)).Releases.Find(release) is null)
            {
                DeployLog.RestoreSkipped(_log, name, release, "its files are no longer kept");
                return;
            }
            var env = ReleaseEnvironment.Resolve(service, BaseDirectory);
            // With the commit it was deployed with, so /version after a restart reports what it did before.
            var commit = await _deploys.CommitOfAsync(name, release, _stopping.Token);
            await RolloutAsync(name, new RolloutRequest(release, ReleaseIdentity.Delivered(env, release, commit)), _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping before it finished.
        }
        catch (Exception e) when (e is RolloutException or DeployException or IOException)
        {
            DeployLog.RestoreSkipped(_log, name, "the last release", e.Message);
        }
        catch (Exception e)
        {
            DeployLog.RestoreFailed(_log, e, name);
        }
    }

    /// <summary>
    /// Stops every service's replicas and proxy, all services at once (each under its own rollout lock), so the stop
    /// takes as long as the slowest service rather than the sum of them; <see cref="StopBound"/> says how long that is.
    /// The host's token is left alone: it bounds requests in flight, not the replicas' stop_timeout, and a stop that
    /// must not wait any longer kills the replicas through <see cref="KillReplicas"/> instead.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_restoring);
        }
        finally
        {
            await Task.WhenAll(_services.Select(service => StopServiceAsync(service.Key, service.Value)));
        }
    }

    /// <summary>Never throws: one service that fails to stop must not leave the others' replicas running.</summary>
    private async Task StopServiceAsync(string name, Lazy<Task<ServiceRuntime>> service)
    {
        try
        {
            await (await service.Value).DisposeAsync();
        }
        catch (Exception e)
        {
            DeployLog.StopFailed(_log, e, name);
        }
    }

    /// <summary>
    /// The longest <see cref="StopAsync"/> takes with <paramref name="config"/>'s services: a rollout caught by the stop
    /// finishes its drain and stops the old replicas (drain_timeout + stop_timeout) before the live ones are stopped
    /// (stop_timeout more), and services stop side by side, so the slowest one counts.
    /// </summary>
    public static TimeSpan StopBound(BallastConfig config) =>
        config.Services.Values.Select(s => s.ProviderConfig).OfType<ProcessServiceConfig>()
            .Select(p => p.DrainTimeout + p.StopTimeout * 2).DefaultIfEmpty(TimeSpan.Zero).Max();

    /// <summary>The SERVICE-replicas monitor of every process service in the config, with its status and open incident.</summary>
    public IReadOnlyList<(MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)> ReplicaMonitors() =>
        _incidents.Snapshot(_config.Current.Services.Where(s => s.Value.ProviderConfig is ProcessServiceConfig).Select(s => s.Key)).ToArray();

    /// <summary>
    /// SIGKILL to every replica still running, whoever holds it, for a stop that cannot wait any longer (asked to stop
    /// at once, or past its bound); returns how many were killed.
    /// </summary>
    public int KillReplicas()
    {
        var killed = _live.KillAll();
        if (killed > 0) DeployLog.ReplicasKilled(_log, killed);
        return killed;
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The service and its <c>process:</c> section, as the running config has them.</summary>
    private (ServiceConfig Service, ProcessServiceConfig Process) Config(string name) =>
        _config.Current.Services.TryGetValue(name, out var service) && service.ProviderConfig is ProcessServiceConfig process
            ? (service, process)
            : throw new KeyNotFoundException($"no process service named \"{name}\" in ballast.yaml");

    private async Task<ServiceRuntime> GetAsync(string name)
    {
        var (_, process) = Config(name);
        // The folder is named by the config's own key, never by the string a request brought.
        var key = _config.Current.Services.Keys.First(k => k == name);
        var runtime = _services.GetOrAdd(key, _ => new Lazy<Task<ServiceRuntime>>(async () =>
            new ServiceRuntime(key, await ServiceProxy.StartAsync(process.Listen, process.HealthPath, _loggers),
                new ReleaseFolders(ReleasesDirectory(key), _log))));
        try
        {
            return await runtime.Value;
        }
        catch (IOException e)
        {
            // The address is taken: forget the attempt, so the next request tries to listen again.
            _services.TryRemove(KeyValuePair.Create(key, runtime));
            throw new RolloutException($"cannot listen on {process.Listen}: {e.Message}");
        }
    }

    public async Task<ServiceStatus> StatusAsync(string name)
    {
        var runtime = await GetAsync(name);
        return new ServiceStatus(name, Config(name).Process.Listen, runtime.Release,
            runtime.Replicas.Select(r => new ReplicaStatus(r.Replica.Index, r.Replica.Port, r.Replica.Pid, r.Restarts, !r.Replica.Exited.IsCompleted)).ToArray(),
            runtime.Env.Keys.Order(StringComparer.Ordinal).ToArray(), runtime.Releases.Kept());
    }

    /// <summary>
    /// What the replicas of <paramref name="release"/> logged (the live ones, or the files kept for it); a release the
    /// runtime does not know (neither running nor kept) is a <see cref="KeyNotFoundException"/>, and nothing is read.
    /// </summary>
    public async Task<IReadOnlyList<string>> LogsAsync(string name, string release)
    {
        var runtime = await GetAsync(name);
        if (runtime.Replicas.All(r => r.Replica.Release != release) && runtime.Releases.Find(release) is null)
            throw new KeyNotFoundException($"{name} has no release named \"{ShortText.Truncate(release, 80)}\" (kept: {string.Join(", ", runtime.Releases.Kept())})");
        var live = runtime.Replicas.Where(r => r.Replica.Release == release).SelectMany(r => r.Replica.Lines).ToArray();
        return live.Length > 0 ? live : runtime.Releases.Logs(release);
    }

    /// <summary>
    /// The variables of <paramref name="env"/> that the service's config does not give it (its <c>env</c> and
    /// <c>env_file</c>, and the release's identity), and those it gives that <paramref name="env"/> lacks. A rollout must
    /// carry exactly the configured names: anything else (<c>LD_PRELOAD</c>, <c>DOTNET_STARTUP_HOOKS</c>) would run code
    /// no one configured.
    /// </summary>
    public (IReadOnlyList<string> Unexpected, IReadOnlyList<string> Missing) EnvMismatch(string name, IReadOnlyDictionary<string, string> env)
    {
        var (service, _) = Config(name);
        var configured = ReleaseEnvironment.Resolve(service, BaseDirectory).Keys.ToHashSet(StringComparer.Ordinal);
        // The release's identity is Ballast's own and not in the config; a release deployed without a known commit lacks BALLAST_COMMIT.
        var unexpected = env.Keys.Where(n => !configured.Contains(n) && n is not (ServiceConfig.ReleaseVariable or ReleaseIdentity.CommitVariable))
            .Order(StringComparer.Ordinal).ToArray();
        var missing = configured.Where(n => !env.ContainsKey(n)).Order(StringComparer.Ordinal).ToArray();
        return (unexpected, missing);
    }

    public async Task<RolloutResult> RolloutAsync(string name, RolloutRequest request, CancellationToken cancellationToken)
    {
        var (service, process) = Config(name);
        var runtime = await GetAsync(name);
        await runtime.Rollouts.WaitAsync(cancellationToken);
        try
        {
            var directory = runtime.Releases.Prepared(request.Release);
            var started = _time.GetTimestamp();
            var starting = Enumerable.Range(0, service.Scale)
                .Select(i => _launcher.StartReadyAsync(name, process, request.Release, i, directory, request.Env, cancellationToken)).ToArray();
            try
            {
                await Task.WhenAll(starting);
            }
            catch (Exception e)
            {
                // Whatever failed (a replica not ready, the log file on a full disk), the ones that did start are stopped.
                await Task.WhenAll(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.DisposeAsync().AsTask()));
                DeployLog.RolloutFailed(_log, name, request.Release, e.Message);
                throw;
            }
            var fresh = starting.Select(t => new Supervised(t.Result)).ToArray();
            var readyMs = _time.GetElapsedTime(started).TotalMilliseconds;

            var old = runtime.Replicas;
            var previous = runtime.Release;
            runtime.Replicas = fresh;
            runtime.Release = request.Release;
            runtime.Env = request.Env;
            // Not cancellable from here on: the new release is live and the old replicas must be drained and stopped.
            await runtime.Proxy.SwitchAsync(fresh.Select(s => s.Replica).ToArray(), _time, CancellationToken.None);
            _incidents.AllRunning(name);
            foreach (var s in fresh) _supervisor.Supervise(runtime, s, directory, request.Env);

            var drainStarted = _time.GetTimestamp();
            var left = await runtime.Proxy.DrainAsync(old.Select(s => s.Replica).ToArray(), process.DrainTimeout, _time, CancellationToken.None);
            if (left > 0) DeployLog.DrainTimedOut(_log, name, left, process.DrainTimeout.TotalSeconds);
            var drainMs = _time.GetElapsedTime(drainStarted).TotalMilliseconds;
            await Task.WhenAll(old.Select(s => s.Replica.DisposeAsync().AsTask()));
            foreach (var s in old) runtime.Proxy.Forget(s.Replica);
            runtime.Releases.Prune(service.KeepReleases, request.Release, previous);
            DeployLog.RolledOut(_log, name, request.Release, readyMs, drainMs);
            return new RolloutResult(request.Release, fresh.Select(s => s.Replica.Port).ToArray(), readyMs, drainMs, previous);
        }
        finally
        {
            runtime.Rollouts.Release();
        }
    }
}
