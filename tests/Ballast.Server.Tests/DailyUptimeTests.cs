using Ballast.Core.Monitoring;
using Ballast.Server.Dashboard;
using Ballast.Storage;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Server.Tests;

/// <summary>The overview's 90 days of bars over a real SQLite store, across today's freshness and a change of day.</summary>
public sealed class DailyUptimeTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private SqlMonitoringStore? _store;

    private static CheckRecord Check(string monitor, DateTimeOffset at, bool passed) =>
        new(new CheckResult(monitor, at, TimeSpan.FromMilliseconds(20), passed, passed ? null : "got 503", passed ? 200 : 503),
            new MonitorStatus(monitor, MonitorState.Up, passed ? 0 : 1, passed ? 1 : 0, LastCheckAt: at, LastLatencyMs: 20), null);

    private async Task<SqlMonitoringStore> StoreAsync()
    {
        var dialect = new SqliteDialect(_dir.File("ballast.db"));
        await new SchemaMigrator(dialect).MigrateAsync();
        return _store = new SqlMonitoringStore(dialect);
    }

    private static IEnumerable<CheckRecord> Checks(string monitor, DateTimeOffset from, int passed, int failed) =>
        Enumerable.Range(0, passed + failed).Select(i => Check(monitor, from.AddMinutes(i), i >= failed));

    [Fact]
    public async Task PastDaysAndToday_TodayReadAgainAfterItsFreshness_ADayLaterEverythingMovesByOne()
    {
        var store = await StoreAsync();
        var time = new FakeTimeProvider(Noon);
        var uptime = new DailyUptime(store, time);
        await store.WriteAsync([.. Checks("api", Noon.AddDays(-2), passed: 9, failed: 1), .. Checks("api", Noon.AddDays(-1), 10, 0), .. Checks("api", Noon.AddHours(-1), 4, 0)]);

        var days = await uptime.GetAsync(["api", "idle"], CancellationToken.None);
        var api = days["api"];
        Assert.Equal(DailyUptime.Days, api.Days.Count);
        Assert.Equal(new DateOnly(2026, 11, 20), api.Days[^1].Day);
        Assert.Equal(new DateOnly(2026, 8, 23), api.Days[0].Day);
        Assert.Equal([0.9, 1.0, 1.0], api.Days.TakeLast(3).Select(d => d.Uptime));
        Assert.All(api.Days.SkipLast(3), d => Assert.Null(d.Uptime));
        Assert.Equal((24, 23), (api.Checks, api.Up));
        Assert.Equal(0, days["idle"].Checks);
        Assert.All(days["idle"].Days, d => Assert.Null(d.Uptime));

        // Today's four failures: not read again within the freshness, read after it.
        await store.WriteAsync([.. Checks("api", Noon.AddMinutes(1), 0, 4)]);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1.0, (await uptime.GetAsync(["api"], CancellationToken.None))["api"].Days[^1].Uptime);
        time.Advance(DailyUptime.TodayFreshness);
        api = (await uptime.GetAsync(["api"], CancellationToken.None))["api"];
        Assert.Equal(0.5, api.Days[^1].Uptime);
        Assert.Equal((28, 23), (api.Checks, api.Up));

        // The next day: what was today is yesterday, read from storage with its last checks; the new today is empty.
        await store.WriteAsync([.. Checks("api", Noon.AddHours(11), 2, 0)]);
        time.Advance(TimeSpan.FromHours(12.5));
        api = (await uptime.GetAsync(["api"], CancellationToken.None))["api"];
        Assert.Equal(new DateOnly(2026, 11, 21), api.Days[^1].Day);
        Assert.Equal([0.9, 1.0, 0.6, null], api.Days.TakeLast(4).Select(d => d.Uptime));
        Assert.Equal((30, 25), (api.Checks, api.Up));
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        _dir.Dispose();
    }
}
