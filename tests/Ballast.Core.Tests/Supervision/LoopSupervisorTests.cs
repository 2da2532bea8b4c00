using Ballast.Core.Diagnostics;
using Ballast.Core.Supervision;
using Ballast.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Supervision;

/// <summary>The supervisor on a fake clock: what a failing loop leaves behind, and when it runs again.</summary>
public sealed class LoopSupervisorTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _fake = new(Start);
    private readonly TimerWatch _clock;
    private readonly LogCollector _logs = new();
    private readonly LoopSupervisor _supervisor;
    private readonly CancellationTokenSource _stop = new();

    public LoopSupervisorTests()
    {
        _clock = new TimerWatch(_fake);
        _supervisor = new LoopSupervisor(_clock, _logs.For<LoopSupervisor>());
    }

    [Fact]
    public async Task RunAsync_LoopThrows_LoggedCountedReportedAndRestartedAfterBackoff()
    {
        var runs = new List<DateTimeOffset>();
        var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var faulted = new TaskCompletionSource<(Exception Error, int Timers)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = _supervisor.RunAsync("alert-planner", async ct =>
        {
            int run;
            lock (runs)
            {
                runs.Add(_clock.GetUtcNow());
                run = runs.Count;
            }
            if (run == 1) throw new InvalidOperationException("relation \"notifications\" does not exist");
            restarted.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, _clock, ct);
        }, _stop.Token, e =>
        {
            faulted.TrySetResult((e, _clock.Created));
            return Task.CompletedTask;
        });

        var (error, timers) = await faulted.Task.WaitAsync(Bound);
        Assert.Equal("relation \"notifications\" does not exist", error.Message);
        Assert.Equal(1, _supervisor.TotalFaults);
        var fault = Assert.Single(_supervisor.Degraded());
        Assert.Equal(new LoopFault("alert-planner", 1, error.Message, Start, Start + LoopSupervisor.FirstRestartDelay), fault);
        var logged = Assert.Single(_logs.Entries, e => e.EventId == LogEvents.Supervision.LoopFailed);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Same(error, logged.Exception);
        Assert.Contains("alert-planner", logged.Message);

        await _clock.WaitForMoreThanAsync(timers); // the backoff is waiting
        _fake.Advance(LoopSupervisor.FirstRestartDelay);
        await restarted.Task.WaitAsync(Bound);
        Assert.Equal([Start, Start + LoopSupervisor.FirstRestartDelay], runs);

        // Reported until it has run a while without failing.
        Assert.Single(_supervisor.Degraded());
        _fake.Advance(LoopSupervisor.HealthyAfter);
        Assert.Empty(_supervisor.Degraded());

        await _stop.CancelAsync();
        await loop.WaitAsync(Bound);
        Assert.Equal(1, _supervisor.TotalFaults);
    }

    [Fact]
    public async Task RunAsync_FailsEveryTime_WaitDoublesUpToOneMinute()
    {
        var runs = new List<DateTimeOffset>();
        var faults = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var loop = _supervisor.RunAsync("notification-dispatcher", _ =>
        {
            lock (runs) runs.Add(_clock.GetUtcNow());
            throw new IOException("disk full");
        }, _stop.Token, _ =>
        {
            faults.Writer.TryWrite(_clock.Created);
            return Task.CompletedTask;
        });

        TimeSpan[] expected = new[] { 1, 2, 4, 8, 16, 32, 60, 60 }.Select(s => TimeSpan.FromSeconds(s)).ToArray();
        foreach (var wait in expected)
        {
            var timers = await faults.Reader.ReadAsync().AsTask().WaitAsync(Bound);
            await _clock.WaitForMoreThanAsync(timers);
            _fake.Advance(wait);
        }
        await faults.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        TimeSpan[] gaps;
        lock (runs) gaps = runs.Zip(runs.Skip(1), (a, b) => b - a).ToArray();
        Assert.Equal(expected, gaps);
        Assert.Equal(expected.Length + 1, _supervisor.TotalFaults);
        Assert.Equal(expected.Length + 1, Assert.Single(_supervisor.Degraded()).Faults);
        await _stop.CancelAsync();
        await loop.WaitAsync(Bound);
        Assert.Empty(_supervisor.Degraded());
    }

    [Fact]
    public async Task RunAsync_Stopped_EndsWithoutAFault()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = _supervisor.RunAsync("retention", async ct =>
        {
            running.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, _clock, ct);
        }, _stop.Token);
        await running.Task.WaitAsync(Bound);

        await _stop.CancelAsync();
        await loop.WaitAsync(Bound);

        Assert.Equal(0, _supervisor.TotalFaults);
        Assert.Empty(_supervisor.Degraded());
        Assert.Empty(_logs.Entries);
    }

    [Fact]
    public async Task RunAsync_AlreadyStopped_NeverRunsTheLoop()
    {
        await _stop.CancelAsync();
        var runs = 0;

        await _supervisor.RunAsync("retention", _ =>
        {
            runs++;
            throw new InvalidOperationException("ran after the stop");
        }, _stop.Token).WaitAsync(Bound);

        Assert.Equal(0, runs);
        Assert.Empty(_logs.Entries);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_ThrowsWhileStopping_LoggedAndNotRestarted(bool failedBefore)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        var loop = _supervisor.RunAsync("alert-dispatcher", async ct =>
        {
            if (++runs == 1 && failedBefore) throw new IOException("first run failed");
            running.TrySetResult();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _clock, ct);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException("could not hand back the lease");
            }
        }, _stop.Token);
        if (failedBefore)
        {
            await _clock.WaitForMoreThanAsync(0);
            _fake.Advance(LoopSupervisor.FirstRestartDelay);
        }
        await running.Task.WaitAsync(Bound);

        await _stop.CancelAsync();
        await loop.WaitAsync(Bound);

        var logged = Assert.Single(_logs.Entries, e => e.EventId == LogEvents.Supervision.LoopFailedWhileStopping);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal("could not hand back the lease", logged.Exception?.Message);
        Assert.Contains("alert-dispatcher", logged.Message);
        Assert.DoesNotContain(_logs.Entries, e => e.Exception?.Message == "could not hand back the lease" && e.EventId != LogEvents.Supervision.LoopFailedWhileStopping);
        Assert.Equal(failedBefore ? 2 : 1, runs);
        Assert.Equal(failedBefore ? 1 : 0, _supervisor.TotalFaults);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _supervisor.Dispose();
    }
}
