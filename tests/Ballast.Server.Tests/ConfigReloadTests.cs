using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Server.Tests;

/// <summary>
/// The server's reload loop on a real file and a fake clock: a file caught half-written is rejected and read again
/// once complete, and an edit whose applying threw is applied again when the supervisor restarts the loop.
/// </summary>
public sealed class ConfigReloadTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _dir = new();

    private static string Config(params string[] monitors) =>
        "monitors:\n" + string.Concat(monitors.Select(m => $"  - {{ name: {m}, type: tcp, target: \"127.0.0.1:9\", interval: 1h }}\n"));

    [Fact]
    public async Task Reload_HalfWrittenThenCompleteEditWhoseApplyingThrows_RejectedThenAppliedAfterTheLoopRestarts()
    {
        var path = _dir.File("ballast.yaml");
        await File.WriteAllTextAsync(path, Config("api"), TestContext.Current.CancellationToken);
        var listener = new FailsOnce();
        var state = new ConfigState(ConfigLoader.Load(path).Require(), () => [listener]);
        var log = new RecordingLogger<ConfigReloadService>();
        var supervisorLog = new RecordingLogger<LoopSupervisor>();
        using var supervisor = new LoopSupervisor(_time, supervisorLog);
        // The edits add no heartbeat, so the store is never asked for a token; it is the real one all the same.
        var tokens = new Ballast.Storage.Monitoring.SqlPushTokenStore(Ballast.Storage.Stores.DialectFor(state.Current.Server, path), _time);
        using var service = new ConfigReloadService(state, tokens, supervisor, _time, log);
        await service.StartAsync(TestContext.Current.CancellationToken);

        var edit = Config("api", "second");
        await File.WriteAllTextAsync(path, edit[..^12], TestContext.Current.CancellationToken); // cut inside the flow mapping
        await AdvanceUntil(log.WaitForAsync(LogEvents.Hosting.ConfigReloadRejected, TimeSpan.FromSeconds(60)));
        Assert.Equal(0, listener.Calls);

        await File.WriteAllTextAsync(path, edit, TestContext.Current.CancellationToken);
        var applied = await AdvanceUntil(listener.Applied.Task);

        Assert.Equal(["api", "second"], applied.Monitors.Select(m => m.Name));
        Assert.Equal(2, listener.Calls);
        Assert.Contains(supervisorLog.Entries, e => e.Id.Id == LogEvents.Supervision.LoopFailed && e.Message.Contains("config-reload", StringComparison.Ordinal));
        await log.WaitForAsync(LogEvents.Hosting.ConfigReloaded);
        await service.StopAsync(CancellationToken.None);
    }

    /// <summary>Moves the fake clock a second at a time (reload polls, restart backoff) until <paramref name="signal"/> completes.</summary>
    private async Task<T> AdvanceUntil<T>(Task<T> signal)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!signal.IsCompleted)
        {
            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(60)) throw new TimeoutException("the reload loop never got there");
            _time.Advance(TimeSpan.FromSeconds(1));
            // Lets the loop reach its next await before the clock moves again.
            await Task.WhenAny(signal, Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken));
        }
        return await signal;
    }

    /// <summary>A listener whose first apply fails, as a component that could not take the new config for a moment.</summary>
    private sealed class FailsOnce : IConfigChangeListener
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public TaskCompletionSource<BallastConfig> Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConfigChanged(BallastConfig updated)
        {
            if (Interlocked.Increment(ref _calls) == 1) throw new IOException("the new config could not be applied yet");
            Applied.TrySetResult(updated);
        }
    }

    public void Dispose() => _dir.Dispose();
}
