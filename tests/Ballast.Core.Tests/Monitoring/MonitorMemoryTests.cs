using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;
using Ballast.Core.Supervision;
using Ballast.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>
/// What a monitor costs while it waits for its next check, measured on the live heap: at 10,000 monitors every
/// hundred bytes a monitor keeps is a megabyte the server holds for ever. Run alone, so no other test's garbage is counted.
/// </summary>
[Collection(MemoryMeasurements.Name)]
public sealed class MonitorMemoryTests(ITestOutputHelper output)
{
    private const int Monitors = 10_000;

    [Fact]
    public async Task Start_TenThousandWaitingMonitors_KeepUnderFourKilobytesEach()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));
        using var supervisor = new LoopSupervisor(fake, NullLogger<LoopSupervisor>.Instance);
        using var probe = new HttpProbe(fake);
        await using var engine = new MonitoringEngine([probe], new RecordingSink(), fake, NullLogger<MonitoringEngine>.Instance,
            supervisor: supervisor);
        // The clock never moves, so no check runs: what is measured is the monitors at rest, between two checks.
        var monitors = Enumerable.Range(1, Monitors).Select(i => (MonitorConfig)new HttpMonitorConfig
        {
            Name = $"m{i}",
            Url = new Uri($"http://127.0.0.1:1/health?m={i}"),
            Interval = TimeSpan.FromHours(1),
        }).ToArray();
        var empty = new Dictionary<string, MonitorStatus>();
        var none = new Dictionary<string, Incident>();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        engine.Start(monitors, 512, empty, none);
        await engine.WhenParkedAsync(TimeSpan.FromSeconds(120));
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var perMonitor = (after - before) / Monitors;
        output.WriteLine($"{perMonitor} bytes per waiting monitor");
        // Measured in a Debug build: about 3,100 bytes (state, runtime, loop, timer, cancellation); 5,000 when every
        // monitor's loop kept a resilience context and Polly's chain of state machines for its whole life.
        Assert.InRange(perMonitor, 1, 4096);
        GC.KeepAlive(monitors);
    }
}

/// <summary>Tests that read the process's heap run with no other test beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "memory measurements";
}
