using System.Collections.Concurrent;
using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Server.Hosting;

namespace Ballast.Server.Deploy;

/// <summary>What the CLI asks for: run <see cref="Release"/> with <see cref="Env"/>, its files copied from <see cref="Artifact"/> when new.</summary>
public sealed record RolloutRequest(string Release, IReadOnlyDictionary<string, string> Env, string? Artifact);

/// <summary>A rollout that completed, with where its time went.</summary>
public sealed record RolloutResult(string Release, IReadOnlyList<int> Ports, double ReadyMs, double DrainMs, string? Previous);

/// <summary>A process service as it runs now.</summary>
public sealed record ServiceStatus(string Service, Uri Listen, string? Release, IReadOnlyList<ReplicaStatus> Replicas, IReadOnlyList<string> EnvNames,
    IReadOnlyList<string> Releases);

public sealed record ReplicaStatus(int Index, int Port, int Pid, int Restarts, bool Running);

/// <summary>
/// The process provider's runtime inside <c>ballast serve</c>: for each process service, a YARP proxy on its public
/// address and the replicas of its live release. A rollout starts the new release's replicas, waits until each is
/// ready, routes new requests to them, waits for the old ones' requests to finish, then stops the old replicas, so
/// no request fails. A replica that dies leaves the proxy, is alerted as SERVICE-replicas and replaced with backoff;
/// when the server starts, the last release that passed verification is started again.
/// </summary>
public sealed partial class ProcessRuntime(ConfigState config, IDeployStore deploys, AlertPlanner alerts, TimeProvider time, ILoggerFactory loggers,
    ILogger<ProcessRuntime> log)
    : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ServiceRuntime>>> _services = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _restoring = [];

    /// <summary>Where releases' files are kept: .ballast/releases/SERVICE/RELEASE next to ballast.yaml.</summary>
    public string ReleasesDirectory(string service) =>
        Path.Combine(Path.GetDirectoryName(config.Current.SourcePath) ?? Directory.GetCurrentDirectory(), ".ballast", "releases", service);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Each process service's address answers from the start (503 until a release is live), and the release that
        // was live when the server last stopped is started again, in the background.
        foreach (var (name, service) in config.Current.Services)
        {
            if (service.Process is null) continue;
            try
            {
                await GetAsync(name);
            }
            catch (RolloutException e)
            {
                // One service's address taken must not stop monitoring; the next rollout tries to listen again.
                Log.CannotListen(log, name, e.Message);
                continue;
            }
            _restoring.Add(RestoreAsync(name, service));
        }
    }

    /// <summary>Starts the last release that passed verification, with the environment this server's config gives it.</summary>
    private async Task RestoreAsync(string name, ServiceConfig service)
    {
        try
        {
            var history = await deploys.HistoryAsync(name, 50, _stopping.Token);
            if (history.FirstOrDefault(r => r.Outcome == DeployOutcome.Deployed)?.Release is not { } release) return;
            if (!Directory.Exists(Path.Combine(ReleasesDirectory(name), release)))
            {
                Log.RestoreSkipped(log, name, release, "its files are no longer kept");
                return;
            }
            var env = ReleaseEnvironment.Resolve(service, Path.GetDirectoryName(config.Current.SourcePath) ?? Directory.GetCurrentDirectory());
            await RolloutAsync(name, new RolloutRequest(release, env, null), _stopping.Token);
        }
        catch (Exception e) when (e is RolloutException or DeployException or IOException or System.Data.Common.DbException)
        {
            Log.RestoreSkipped(log, name, "the last release", e.Message);
        }
        catch (OperationCanceledException)
        {
            // Stopping before it finished.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_restoring);
        foreach (var service in _services.Values) await (await service.Value).DisposeAsync();
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private ServiceConfig Config(string name) =>
        config.Current.Services.TryGetValue(name, out var service) && service.Process is not null
            ? service
            : throw new KeyNotFoundException($"no process service named \"{name}\" in ballast.yaml");

    private async Task<ServiceRuntime> GetAsync(string name)
    {
        var service = Config(name);
        var runtime = _services.GetOrAdd(name, _ => new Lazy<Task<ServiceRuntime>>(async () =>
            new ServiceRuntime(name, await ServiceProxy.StartAsync(service.Process!.Listen, service.Process.HealthPath, loggers))));
        try
        {
            return await runtime.Value;
        }
        catch (IOException e)
        {
            // The address is taken: forget the attempt, so the next request tries to listen again.
            _services.TryRemove(KeyValuePair.Create(name, runtime));
            throw new RolloutException($"cannot listen on {service.Process!.Listen}: {e.Message}");
        }
    }

    public async Task<ServiceStatus> StatusAsync(string name)
    {
        var runtime = await GetAsync(name);
        var releases = Directory.Exists(ReleasesDirectory(name))
            ? Directory.GetDirectories(ReleasesDirectory(name)).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];
        return new ServiceStatus(name, Config(name).Process!.Listen, runtime.Release,
            runtime.Replicas.Select(r => new ReplicaStatus(r.Replica.Index, r.Replica.Port, r.Replica.Pid, r.Restarts, !r.Replica.Exited.IsCompleted)).ToArray(),
            runtime.Env.Keys.Order(StringComparer.Ordinal).ToArray(), releases);
    }

    /// <summary>What the replicas of <paramref name="release"/> logged (the live ones, or the files kept for it).</summary>
    public async Task<IReadOnlyList<string>> LogsAsync(string name, string release)
    {
        var runtime = await GetAsync(name);
        var live = runtime.Replicas.Where(r => r.Replica.Release == release).SelectMany(r => r.Replica.Lines).ToArray();
        if (live.Length > 0) return live;
        var logs = Path.Combine(ReleasesDirectory(name), release, "logs");
        return Directory.Exists(logs) ? Directory.GetFiles(logs, "*.log").Order(StringComparer.Ordinal).SelectMany(File.ReadLines).TakeLast(5000).ToArray() : [];
    }

    public async Task<RolloutResult> RolloutAsync(string name, RolloutRequest request, CancellationToken cancellationToken)
    {
        var service = Config(name);
        var process = service.Process!;
        var runtime = await GetAsync(name);
        await runtime.Rollouts.WaitAsync(cancellationToken);
        try
        {
            var directory = Prepare(name, request);
            var started = time.GetTimestamp();
            var fresh = new List<Supervised>();
            try
            {
                for (var i = 0; i < service.Scale; i++)
                    fresh.Add(new Supervised(Replica.Start(request.Release, i, directory, process.Command, process.Args, request.Env)));
                await Task.WhenAll(fresh.Select(s => s.Replica.WaitReadyAsync(_http, process.HealthPath, process.StartupTimeout, time, cancellationToken)));
            }
            catch (Exception e) when (e is RolloutException or OperationCanceledException)
            {
                await Task.WhenAll(fresh.Select(s => s.Replica.DisposeAsync().AsTask()));
                Log.RolloutFailed(log, name, request.Release, e.Message);
                throw;
            }
            var readyMs = time.GetElapsedTime(started).TotalMilliseconds;

            var old = runtime.Replicas;
            var previous = runtime.Release;
            runtime.Replicas = fresh;
            runtime.Release = request.Release;
            runtime.Env = request.Env;
            runtime.Proxy.Route(fresh.Select(s => s.Replica).ToArray());
            foreach (var index in runtime.Incidents.Keys.ToArray()) Resolve(runtime, index);
            foreach (var s in fresh) Supervise(name, runtime, s, directory, request.Env);

            var drainStarted = time.GetTimestamp();
            await DrainAsync(runtime.Proxy, old, process.DrainTimeout);
            var drainMs = time.GetElapsedTime(drainStarted).TotalMilliseconds;
            await Task.WhenAll(old.Select(s => s.Replica.DisposeAsync().AsTask()));
            Prune(name, service.KeepReleases, request.Release, previous);
            Log.RolledOut(log, name, request.Release, readyMs, drainMs);
            return new RolloutResult(request.Release, fresh.Select(s => s.Replica.Port).ToArray(), readyMs, drainMs, previous);
        }
        finally
        {
            runtime.Rollouts.Release();
        }
    }

    /// <summary>The release's folder: kept from an earlier rollout, or a fresh copy of the artifact.</summary>
    private string Prepare(string name, RolloutRequest request)
    {
        if (request.Release.Contains('/', StringComparison.Ordinal) || request.Release.Contains("..", StringComparison.Ordinal) || request.Release.Length == 0)
            throw new RolloutException($"\"{request.Release}\" is not a release name");
        var directory = Path.Combine(ReleasesDirectory(name), request.Release);
        if (Directory.Exists(directory)) return directory;
        if (request.Artifact is not { } artifact)
            throw new RolloutException($"release {request.Release}'s files are not kept any more (keep_releases); deploy it again from its build");
        if (!Directory.Exists(artifact)) throw new RolloutException($"artifact folder {artifact} does not exist");
        var staging = directory + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Copy(artifact, staging);
        Directory.Move(staging, directory);
        return directory;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            if (Path.GetFileName(dir) != "logs") Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    /// <summary>Keeps the newest <paramref name="keep"/> release folders, and always the live and the previous one.</summary>
    private void Prune(string name, int keep, string live, string? previous)
    {
        var folders = Directory.GetDirectories(ReleasesDirectory(name)).Where(d => !d.EndsWith(".partial", StringComparison.Ordinal))
            .OrderByDescending(Directory.GetCreationTimeUtc).ToArray();
        foreach (var folder in folders.Skip(keep))
        {
            var release = Path.GetFileName(folder);
            if (release == live || release == previous) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException e)
            {
                Log.PruneFailed(log, folder, e.Message);
            }
        }
    }

    /// <summary>Waits until no request is in flight on <paramref name="old"/>, or the timeout.</summary>
    private async Task DrainAsync(ServiceProxy proxy, IReadOnlyList<Supervised> old, TimeSpan timeout)
    {
        if (old.Count == 0) return;
        // A request that chose an old replica just before the switch registers as in flight right after choosing it.
        await Task.Delay(TimeSpan.FromMilliseconds(100), time);
        var started = time.GetTimestamp();
        while (old.Any(s => proxy.InFlight(s.Replica) > 0) && time.GetElapsedTime(started) < timeout)
            await Task.Delay(TimeSpan.FromMilliseconds(20), time);
    }

    /// <summary>
    /// Watches a live replica: when it exits without being asked to, it leaves the proxy at once, and a new one on
    /// the same release takes its place once ready, after a backoff of 1 s doubling to 30 s.
    /// </summary>
    private void Supervise(string name, ServiceRuntime runtime, Supervised supervised, string directory, IReadOnlyDictionary<string, string> env)
    {
        _ = supervised.Replica.Exited.ContinueWith(exited => RestartAsync(name, runtime, supervised, directory, env, exited.Result),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    private async Task RestartAsync(string name, ServiceRuntime runtime, Supervised dead, string directory, IReadOnlyDictionary<string, string> env, int exitCode)
    {
        if (dead.Replica.Stopping || _stopping.IsCancellationRequested) return;
        try
        {
            // Out of the proxy now (a rollout in progress holds the lock; YARP's health checks cover that while).
            await runtime.Rollouts.WaitAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (!runtime.Replicas.Contains(dead)) return;
            runtime.Proxy.Route(runtime.Replicas.Where(s => s != dead).Select(s => s.Replica).ToArray());
            var now = time.GetUtcNow();
            Alert(runtime, dead.Replica.Index, new Incident(Guid.NewGuid().ToString("N")[..12], ReplicasMonitor.For(name).Name, now, now, null,
                $"replica {dead.Replica.Index} of {dead.Replica.Release} exited with code {exitCode}"));
        }
        finally
        {
            runtime.Rollouts.Release();
        }
        for (var restarts = dead.Restarts; ; restarts++)
        {
            var backoff = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, restarts)));
            Log.ReplicaDied(log, name, dead.Replica.Release, dead.Replica.Index, exitCode, backoff.TotalSeconds);
            try
            {
                await Task.Delay(backoff, time, _stopping.Token);
                if (!runtime.Replicas.Contains(dead)) return; // a rollout replaced the release meanwhile
                var process = Config(name).Process!;
                var replacement = new Supervised(Replica.Start(dead.Replica.Release, dead.Replica.Index, directory, process.Command, process.Args, env))
                {
                    Restarts = restarts + 1,
                };
                try
                {
                    await replacement.Replica.WaitReadyAsync(_http, process.HealthPath, process.StartupTimeout, time, _stopping.Token);
                }
                catch (RolloutException e)
                {
                    await replacement.Replica.DisposeAsync();
                    exitCode = replacement.Replica.Exited.IsCompleted ? replacement.Replica.Exited.Result : -1;
                    Log.RestartFailed(log, name, dead.Replica.Release, dead.Replica.Index, e.Message);
                    continue;
                }
                await runtime.Rollouts.WaitAsync(_stopping.Token);
                try
                {
                    if (!runtime.Replicas.Contains(dead))
                    {
                        await replacement.Replica.DisposeAsync();
                        return;
                    }
                    runtime.Replicas = runtime.Replicas.Select(s => s == dead ? replacement : s).ToArray();
                    runtime.Proxy.Route(runtime.Replicas.Select(s => s.Replica).ToArray());
                    Resolve(runtime, dead.Replica.Index);
                }
                finally
                {
                    runtime.Rollouts.Release();
                }
                Supervise(name, runtime, replacement, directory, env);
                await dead.Replica.DisposeAsync();
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Opens (or keeps) the incident of a replica slot; alerting routes it like any monitor's.</summary>
    private void Alert(ServiceRuntime runtime, int index, Incident incident)
    {
        if (runtime.Incidents.ContainsKey(index)) return;
        runtime.Incidents[index] = incident;
        alerts.Observe(incident, ReplicasMonitor.For(runtime.Name), failedChecks: 1);
    }

    private void Resolve(ServiceRuntime runtime, int index)
    {
        if (!runtime.Incidents.Remove(index, out var incident)) return;
        alerts.Observe(incident with { ResolvedAt = time.GetUtcNow() }, ReplicasMonitor.For(runtime.Name), failedChecks: 0);
    }

    private sealed class Supervised(Replica replica)
    {
        public Replica Replica { get; } = replica;
        public int Restarts { get; init; }
    }

    private sealed class ServiceRuntime(string name, ServiceProxy proxy) : IAsyncDisposable
    {
        public string Name { get; } = name;
        public ServiceProxy Proxy { get; } = proxy;
        public SemaphoreSlim Rollouts { get; } = new(1, 1);
        public IReadOnlyList<Supervised> Replicas { get; set; } = [];
        public string? Release { get; set; }
        public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

        /// <summary>Open incidents by replica slot (changed only under <see cref="Rollouts"/>).</summary>
        public Dictionary<int, Incident> Incidents { get; } = [];

        public async ValueTask DisposeAsync()
        {
            var replicas = Replicas;
            Replicas = [];
            await Task.WhenAll(replicas.Select(s => s.Replica.DisposeAsync().AsTask()));
            await Proxy.DisposeAsync();
            Rollouts.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Service}: {Release} is live (ready after {ReadyMs:0} ms, old replicas drained in {DrainMs:0} ms)")]
        public static partial void RolledOut(ILogger logger, string service, string release, double readyMs, double drainMs);

        [LoggerMessage(2, LogLevel.Warning, "{Service}: rollout of {Release} failed, the live release keeps serving: {Reason}")]
        public static partial void RolloutFailed(ILogger logger, string service, string release, string reason);

        [LoggerMessage(3, LogLevel.Error, "{Service}: replica {Index} of {Release} exited with code {ExitCode}; restarting in {Seconds}s")]
        public static partial void ReplicaDied(ILogger logger, string service, string release, int index, int exitCode, double seconds);

        [LoggerMessage(7, LogLevel.Error, "{Service}: {Reason}")]
        public static partial void CannotListen(ILogger logger, string service, string reason);

        [LoggerMessage(6, LogLevel.Error, "{Service}: replica {Index} of {Release} did not come back: {Reason}")]
        public static partial void RestartFailed(ILogger logger, string service, string release, int index, string reason);

        [LoggerMessage(5, LogLevel.Warning, "{Service}: not starting {Release} again: {Reason}")]
        public static partial void RestoreSkipped(ILogger logger, string service, string release, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Could not remove old release folder {Folder}: {Reason}")]
        public static partial void PruneFailed(ILogger logger, string folder, string reason);
    }
}
