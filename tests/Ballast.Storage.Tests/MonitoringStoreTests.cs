using Ballast.Core.Monitoring;
using Ballast.Storage;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ballast.Storage.Tests;

/// <summary>The same store behaviour on SQLite and on a real PostgreSQL server.</summary>
public sealed class MonitoringStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly StoreBackends _backends = new();

    private static CheckRecord Check(string monitor, DateTimeOffset at, bool passed, double ms = 20, string? cause = null, Incident? incident = null,
        MonitorState state = MonitorState.Up) =>
        new(new CheckResult(monitor, at, TimeSpan.FromMilliseconds(ms), passed, passed ? null : cause ?? "got 503", passed ? 200 : 503),
            new MonitorStatus(monitor, state, passed ? 0 : 1, passed ? 1 : 0, LastCheckAt: at, LastLatencyMs: ms, LastError: passed ? null : cause ?? "got 503"),
            incident);

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Migrate_Twice_IsHarmless(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);

        await new SchemaMigrator(store.Dialect).MigrateAsync();

        Assert.Empty(await store.LoadStatusesAsync());
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Write_Results_ReadBackInOrderWithCauses(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);

        await store.WriteAsync([Check("api", T0, true, 12.5), Check("db", T0, true), Check("api", T0.AddSeconds(10), false, 3000, "it's \"broken\"; DROP TABLE x")]);
        await store.WriteAsync([Check("api", T0.AddSeconds(20), true)]);

        var results = await store.ReadResultsAsync("api", T0);
        Assert.Equal([T0, T0.AddSeconds(10), T0.AddSeconds(20)], results.Select(r => r.StartedAt));
        Assert.Equal(12.5, results[0].Latency.TotalMilliseconds);
        Assert.Equal("it's \"broken\"; DROP TABLE x", results[1].Cause);
        Assert.Equal(503, results[1].Status);
        Assert.Single(await store.ReadResultsAsync("api", T0.AddSeconds(15)));
        Assert.Empty(await store.ReadResultsAsync("nobody", T0));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Write_TwoChecksInOneMillisecond_BothKept(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);

        await store.WriteAsync([Check("job", T0, false, cause: "deadline"), Check("job", T0.AddTicks(3000), true)]);
        await store.WriteAsync([Check("job", T0.AddTicks(6000), true)]);

        var results = await store.ReadResultsAsync("job", T0);
        Assert.Equal([T0, T0.AddMilliseconds(1), T0.AddMilliseconds(2)], results.Select(r => r.StartedAt));
        Assert.Equal("deadline", results[0].Cause);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Statuses_LastOneWins_AndSurviveReopening(string backend)
    {
        await using (var store = await _backends.OpenAsync(backend))
            await store.WriteAsync([Check("api", T0, true), Check("api", T0.AddSeconds(5), false, state: MonitorState.Pending)]);

        var dialect = await _backends.DialectAsync(backend, _backends.LastName(backend));
        await new SchemaMigrator(dialect).MigrateAsync();
        await using var reopened = new SqlMonitoringStore(dialect);
        var status = (await reopened.LoadStatusesAsync())["api"];

        Assert.Equal(MonitorState.Pending, status.State);
        Assert.Equal(T0.AddSeconds(5), status.LastCheckAt);
        Assert.Equal("got 503", status.LastError);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Incidents_OpenThenResolved_FilterByState(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        var opened = new Incident("i1", "api", T0, T0.AddSeconds(10), null, "[STATUS] == 200 failed: got 503");
        var other = new Incident("i2", "db", T0.AddMinutes(1), T0.AddMinutes(2), null, "connection refused");

        await store.WriteAsync([Check("api", T0.AddSeconds(10), false, incident: opened, state: MonitorState.Down), Check("db", T0.AddMinutes(2), false, incident: other)]);
        Assert.Equal(["i2", "i1"], (await store.ListIncidentsAsync(open: true)).Select(i => i.Id));

        await store.WriteAsync([Check("api", T0.AddMinutes(5), true, incident: opened with { ResolvedAt = T0.AddMinutes(5) })]);

        var open = await store.ListIncidentsAsync(open: true);
        var resolved = Assert.Single(await store.ListIncidentsAsync(open: false));
        Assert.Equal("i2", Assert.Single(open).Id);
        Assert.Equal(T0.AddMinutes(5), resolved.ResolvedAt);
        Assert.Equal(TimeSpan.FromSeconds(10), resolved.TimeToDetect);
        Assert.Equal("[STATUS] == 200 failed: got 503", resolved.Cause);
        Assert.Single(await store.ListIncidentsAsync(monitor: "db"));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task PruneIncidents_ResolvedBeforeTheCutoff_Go_OpenAndRecentStay(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        await store.WriteAsync([
            Check("a", T0, false, incident: new Incident("old", "a", T0, T0, T0.AddHours(1), "got 503")),
            Check("b", T0, false, incident: new Incident("open", "b", T0, T0, null, "got 503")),
            Check("c", T0.AddDays(30), false, incident: new Incident("recent", "c", T0.AddDays(30), T0.AddDays(30), T0.AddDays(30), "got 503")),
        ]);

        var deleted = await store.PruneIncidentsAsync(T0.AddDays(10));

        Assert.Equal(1, deleted);
        Assert.Equal(["open", "recent"], (await store.ListIncidentsAsync()).Select(i => i.Id).Order());
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task UptimeSeries_OneRowPerMonitorAndBucket_OnlyTheMonitorsAsked_InOrder(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        // Two UTC days of checks every 10 minutes for three monitors; api is down 04:00-05:00 and slow 05:00-07:00 each day.
        var d0 = new DateTimeOffset(T0.Date, TimeSpan.Zero);
        var batch = new List<CheckRecord>();
        for (var t = d0.AddDays(-2); t < d0; t += TimeSpan.FromMinutes(10))
            foreach (var name in new[] { "api", "web", "db" })
                batch.Add(Check(name, t, !(name == "api" && t.Hour == 4), name == "api" && t.Hour is 5 or 6 ? 900 : 20));
        await store.WriteAsync(batch);

        var days = await store.UptimeSeriesAsync(d0.AddDays(-2), d0, AggregateResolution.Day, ["web", "api"]);
        Assert.Equal([("api", d0.AddDays(-2)), ("api", d0.AddDays(-1)), ("web", d0.AddDays(-2)), ("web", d0.AddDays(-1))],
            days.Select(b => (b.Monitor, b.Start)));
        var apiDay = days[0];
        Assert.Equal((144, 138), (apiDay.Checks, apiDay.Up));
        Assert.Equal(25, apiDay.P50LatencyMs); // most checks took 20 ms: the bucket bound above
        Assert.Equal(1000, apiDay.P95LatencyMs); // the twelve 900 ms checks are the slowest 8 %
        Assert.Equal(1.0, days[2].Uptime);

        var hours = await store.UptimeSeriesAsync(d0.AddHours(-24), d0, AggregateResolution.Hour, ["api"]);
        Assert.Equal(24, hours.Count);
        Assert.All(hours, h => Assert.Equal(6, h.Checks));
        Assert.Equal(0, hours.Single(h => h.Start.Hour == 4).Up);
        Assert.Empty(await store.UptimeSeriesAsync(d0.AddDays(-2), d0, AggregateResolution.Day, []));
        Assert.Equal(6, (await store.UptimeSeriesAsync(d0.AddDays(-2), d0, AggregateResolution.Day)).Count);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task RecentResults_NewestFirst_OnlyThatMonitor_WithCauses(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        var batch = new List<CheckRecord>();
        for (var i = 0; i < 30; i++)
        {
            batch.Add(Check("api", T0.AddSeconds(10 * i), i % 10 != 9, 20 + i, cause: $"got 503 at check {i}"));
            batch.Add(Check("web", T0.AddSeconds(10 * i + 5), true));
        }
        await store.WriteAsync(batch);

        var recent = await store.RecentResultsAsync("api", 5);

        Assert.Equal([29, 28, 27, 26, 25], recent.Select(r => (int)((r.StartedAt - T0).TotalSeconds / 10)));
        Assert.All(recent, r => Assert.Equal("api", r.Monitor));
        Assert.Equal((false, "got 503 at check 29", 503), (recent[0].Passed, recent[0].Cause, recent[0].Status));
        Assert.Equal(48, recent[1].Latency.TotalMilliseconds, 3);
        Assert.Empty(await store.RecentResultsAsync("nobody", 5));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Uptime_ComesFromAggregates_AndOutlivesRawResults(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        // 3 days of checks every 10 minutes; one hour a day down (6 failures a day), latencies 20ms and one 900ms per day.
        var batch = new List<CheckRecord>();
        for (var t = T0.AddDays(-3); t < T0; t += TimeSpan.FromMinutes(10))
        {
            var down = t.Hour == 4;
            batch.Add(Check("api", t, !down, t.Hour == 5 && t.Minute == 0 ? 900 : 20));
        }
        await store.WriteAsync(batch);

        var day = (await store.UptimeAsync(T0.AddHours(-24), T0))["api"];
        var month = (await store.UptimeAsync(T0.AddDays(-30), T0))["api"];
        Assert.Equal(144, day.Checks);
        Assert.Equal(138, day.Up);
        Assert.Equal(432, month.Checks);
        Assert.Equal(138.0 / 144, day.Uptime!.Value, 6);
        Assert.Equal((20.0 * 143 + 900) / 144, day.AvgLatencyMs!.Value, 3);
        Assert.Equal(25, day.P95LatencyMs); // bucket bound above 20ms

        var pruned = await store.PruneAsync(T0);
        Assert.Equal(432, pruned);
        Assert.Empty(await store.ReadResultsAsync("api", T0.AddDays(-10)));
        Assert.Equal(432, (await store.UptimeAsync(T0.AddDays(-30), T0))["api"].Checks);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Uptime_ShortRange_UsesMinuteBuckets(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        await store.WriteAsync([Check("api", T0.AddMinutes(-90), false), Check("api", T0.AddMinutes(-30), true), Check("api", T0.AddMinutes(-1), true)]);

        var hour = (await store.UptimeAsync(T0.AddHours(-1), T0))["api"];

        Assert.Equal(2, hour.Checks);
        Assert.Equal(1.0, hour.Uptime);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Writer_StoreFailsForAWhile_NothingIsLost(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        var flaky = new FlakyStore(store, failures: 2);
        await using var writer = new MonitoringWriter(flaky, TimeProvider.System, NullLogger<MonitoringWriter>.Instance);

        for (var i = 0; i < 1000; i++) writer.Record(Check("api", T0.AddSeconds(i), i % 7 != 0));
        await writer.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, flaky.Failed);
        Assert.Equal(1000, writer.Written);
        Assert.Equal(0, writer.Pending);
        Assert.Equal(1000, (await store.ReadResultsAsync("api", T0)).Count);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Writer_StoreThrowsArgumentException_KeepsTheBatchAndWritesItOnceTheStoreStops(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        // What a code or driver bug throws (a bad connection-string keyword, a duplicate key): nothing says the data is
        // at fault, so the records must wait for the fix rather than be set aside. Three failures would set both aside
        // if it counted as a refusal: the pair, then each half.
        var buggy = new FlakyStore(store, failures: 3, () => new ArgumentException("Keyword not supported: 'sslmod'"));
        await using var writer = new MonitoringWriter(buggy, TimeProvider.System, NullLogger<MonitoringWriter>.Instance);

        writer.Record(Check("api", T0, true));
        writer.Record(Check("api", T0.AddSeconds(1), false));
        await writer.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(3, buggy.Failed);
        Assert.Equal(0, writer.Status.SetAside);
        Assert.Equal(2, writer.Written);
        Assert.Equal(2, (await store.ReadResultsAsync("api", T0)).Count);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Writer_RecordTheDatabaseRefuses_SetAsideAndTheRestWritten(string backend)
    {
        await using var store = await _backends.OpenAsync(backend);
        await using var writer = new MonitoringWriter(store, TimeProvider.System, NullLogger<MonitoringWriter>.Instance);

        // PostgreSQL refuses NUL in text (22021); the engine cleans outside text, this record slips past it on purpose.
        for (var i = 0; i < 300; i++) writer.Record(Check(i == 150 ? "job" : "api", T0.AddSeconds(i), i != 150, cause: "exit 1: \0 in output"));
        await writer.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        writer.Record(Check("api", T0.AddSeconds(300), true));
        await writer.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        var status = writer.Status;
        Assert.Equal(300, (await store.ReadResultsAsync("api", T0)).Count);
        Assert.Equal(0, writer.Pending);
        Assert.Null(status.FailingSince);
        if (backend == "postgres")
        {
            Assert.Equal(1, status.SetAside);
            Assert.StartsWith($"job at {T0.AddSeconds(150):O}: ", status.LastSetAside);
            Assert.Contains("22021", status.LastSetAside);
            Assert.Equal(300, writer.Written);
        }
        else
        {
            Assert.Equal(0, status.SetAside);
            Assert.Equal(301, writer.Written);
        }
    }

    [Fact]
    public async Task Writer_DatabaseUnreachable_ReportsWhyAndKeepsEverythingUntilItReturns()
    {
        var url = new Uri(TestPostgres.ServerUrl());
        await using var relay = TcpRelay.Start(url.Host, url.Port);
        await using var direct = await _backends.OpenAsync("postgres");
        var through = new UriBuilder(url) { Port = relay.Port, Path = "/" + _backends.LastName("postgres") }.Uri;
        await using var store = new SqlMonitoringStore(new PostgresDialect(through.ToString()));
        await using var writer = new MonitoringWriter(store, TimeProvider.System, NullLogger<MonitoringWriter>.Instance);
        relay.Cut();

        for (var i = 0; i < 50; i++) writer.Record(Check("api", T0.AddSeconds(i), true));
        var failing = await EventuallyAsync(() => writer.Status is { FailingSince: not null } s ? s : null);
        relay.Restore();
        await writer.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

        Assert.Contains($"127.0.0.1:{relay.Port}", failing.Failure);
        Assert.Equal(50, failing.Pending);
        Assert.Null(writer.Status.FailingSince);
        Assert.Equal(0, writer.Status.SetAside);
        Assert.Equal(50, (await direct.ReadResultsAsync("api", T0)).Count);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            if (probe() is { } value) return value;
            await Task.Delay(20);
        }
        throw new TimeoutException("the condition never held");
    }

    public void Dispose() => _backends.Dispose();

    /// <summary>The real store, failing its first writes the way a locked or unreachable database does (or with <paramref name="failure"/>).</summary>
    private sealed class FlakyStore(IMonitoringStore inner, int failures, Func<Exception>? failure = null) : IMonitoringStore
    {
        public int Failed { get; private set; }

        public Task WriteAsync(IReadOnlyList<CheckRecord> batch, CancellationToken cancellationToken = default)
        {
            if (Failed >= failures) return inner.WriteAsync(batch, cancellationToken);
            Failed++;
            throw failure?.Invoke() ?? new IOException("database is locked");
        }

        public Task<IReadOnlyDictionary<string, MonitorStatus>> LoadStatusesAsync(CancellationToken cancellationToken = default) => inner.LoadStatusesAsync(cancellationToken);
        public Task<IReadOnlyList<Incident>> ListIncidentsAsync(bool? open = null, string? monitor = null, int limit = 500, CancellationToken cancellationToken = default) => inner.ListIncidentsAsync(open, monitor, limit, cancellationToken);
        public Task<Incident?> IncidentAsync(string id, CancellationToken cancellationToken = default) => inner.IncidentAsync(id, cancellationToken);
        public Task<IReadOnlyList<Incident>> IncidentsStartedAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) => inner.IncidentsStartedAsync(from, to, cancellationToken);
        public Task<IReadOnlyList<CheckResult>> ReadResultsAsync(string monitor, DateTimeOffset since, int limit = 10000, CancellationToken cancellationToken = default) => inner.ReadResultsAsync(monitor, since, limit, cancellationToken);
        public Task<IReadOnlyList<CheckResult>> RecentResultsAsync(string monitor, int count, CancellationToken cancellationToken = default) => inner.RecentResultsAsync(monitor, count, cancellationToken);
        public Task<IReadOnlyDictionary<string, UptimeSummary>> UptimeAsync(DateTimeOffset from, DateTimeOffset to, string? monitor = null, CancellationToken cancellationToken = default) => inner.UptimeAsync(from, to, monitor, cancellationToken);
        public Task<IReadOnlyList<UptimeBucket>> UptimeSeriesAsync(DateTimeOffset from, DateTimeOffset to, AggregateResolution resolution, IReadOnlyCollection<string>? monitors = null,
            CancellationToken cancellationToken = default) => inner.UptimeSeriesAsync(from, to, resolution, monitors, cancellationToken);
        public Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => inner.PruneAsync(before, cancellationToken);
        public Task<long> PruneIncidentsAsync(DateTimeOffset resolvedBefore, CancellationToken cancellationToken = default) => inner.PruneIncidentsAsync(resolvedBefore, cancellationToken);
        public Task<bool> AcknowledgeAsync(string incidentId, DateTimeOffset at, string by, CancellationToken cancellationToken = default) => inner.AcknowledgeAsync(incidentId, at, by, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
