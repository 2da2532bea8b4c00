using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.Supervision;

namespace Ballast.Server.Hosting;

/// <summary>
/// Watches ballast.yaml and applies valid edits while running. An invalid edit is logged with every error and the
/// running config is kept, so a typo cannot stop monitoring. Polls the file once a second: simple, and it sees
/// editors that replace the file as well as those that write in place. A file that cannot be read for a moment (being
/// replaced, permissions) fails the loop, which the supervisor restarts.
/// </summary>
public sealed partial class ConfigReloadService(ConfigState state, IPushTokenStore pushTokens, LoopSupervisor supervisor, TimeProvider time,
    ILogger<ConfigReloadService> log)
    : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    // Taken when the host is built, right after the config was loaded, not when the loop first runs: an edit saved in
    // between is then an edit like any other. Kept across restarts of the loop: an edit whose reading or applying threw
    // is tried again, not taken as seen.
    private (DateTime, long)? _handled = state.Current.SourcePath is { } path ? Stamp(path) : null;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("config-reload", WatchAsync, stoppingToken);

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        var path = state.Current.SourcePath;
        if (path is null) return;
        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var stamp = Stamp(path);
            if (stamp == _handled) continue;
            var result = ConfigLoader.Load(path);
            if (!result.Ok)
            {
                _handled = stamp;
                state.LastReload = new ConfigReload(time.GetUtcNow(), false, result.Errors.Count);
                Log.ReloadRejected(log, path, result.Errors.Count);
                foreach (var error in result.Errors) Log.ConfigProblem(log, error.ToString());
                continue;
            }
            // A heartbeat added by the edit gets its token from storage before anything runs it; storage failing
            // fails the loop, and the edit is applied when the supervisor has restarted it.
            var config = await PushTokens.ResolveAsync(result.Config!, pushTokens, stoppingToken);
            if (ConfigPrinter.Fingerprint(config.Server) != ConfigPrinter.Fingerprint(state.Current.Server))
                Log.ServerSettingsNeedRestart(log);
            state.Replace(config);
            _handled = stamp;
            state.LastReload = new ConfigReload(time.GetUtcNow(), true, 0);
            Log.Reloaded(log, path, config.Monitors.Count);
        }
    }

    private static (DateTime, long) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Hosting.ConfigReloaded, LogLevel.Information, "Reloaded {Path}: {Count} monitors")]
        public static partial void Reloaded(ILogger logger, string path, int count);

        [LoggerMessage(LogEvents.Hosting.ConfigReloadRejected, LogLevel.Error, "Edit of {Path} rejected ({Count} problems); still running the previous config")]
        public static partial void ReloadRejected(ILogger logger, string path, int count);

        [LoggerMessage(LogEvents.Hosting.ConfigProblem, LogLevel.Error, "{Problem}")]
        public static partial void ConfigProblem(ILogger logger, string problem);

        [LoggerMessage(LogEvents.Hosting.ServerSettingsNeedRestart, LogLevel.Warning, "server: settings changed; they take effect after a restart (monitors were applied now)")]
        public static partial void ServerSettingsNeedRestart(ILogger logger);
    }
}
