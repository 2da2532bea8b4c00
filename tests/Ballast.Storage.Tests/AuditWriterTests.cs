using Ballast.Core.Diagnostics;
using Ballast.Core.Security;
using Ballast.Storage.Security;
using Ballast.Testing;

namespace Ballast.Storage.Tests;

/// <summary>The audit trail's writer: it never blocks its callers, keeps what it can while the database is away, and sets aside what it refuses.</summary>
public sealed class AuditWriterTests : IDisposable
{
    private readonly StoreBackends _backends = new();
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static AuditEntry Entry(int n, string who = "alice") => new(0, T0.AddMilliseconds(n), who, "Bearer", "127.0.0.1", "POST /api/v1/silences", null, "201", $"#{n}");

    [Fact]
    public async Task DatabaseAway_RecordNeverWaits_QueueKeepsUpToCapacity_DropsAreCounted_AllKeptAreStoredInOrderOnceBack()
    {
        await _backends.OpenAsync("postgres"); // migrates
        var name = _backends.LastName("postgres");
        var server = new Uri(Environment.GetEnvironmentVariable(StoreBackends.Variable)!);
        await using var relay = TcpRelay.Start(server.Host, server.Port);
        var store = new SqlAuditStore(new PostgresDialect(new UriBuilder(server) { Port = relay.Port, Path = "/" + name }.Uri.ToString()));
        var log = new RecordingLogger<AuditWriter>();
        await using var writer = new AuditWriter(store, TimeProvider.System, log);
        relay.Cut();
        const int Total = AuditWriter.Capacity + 600;

        var watch = TimeProvider.System.GetTimestamp();
        for (var n = 0; n < Total; n++) writer.Record(Entry(n));
        var took = TimeProvider.System.GetElapsedTime(watch);

        Assert.True(took < TimeSpan.FromSeconds(5), $"recording {Total} entries took {took}");
        await log.WaitForAsync(LogEvents.Storage.AuditWriteFailed);
        Assert.Contains(log.Entries, e => e.Id.Id == LogEvents.Storage.AuditDropped);
        var status = writer.Status;
        // At most one batch (500) left the queue before the first write failed, so at least 100 of the newest were dropped.
        Assert.InRange(status.Dropped, 100, 600);
        Assert.Equal(Total, status.Dropped + status.Pending);
        Assert.NotNull(status.FailingSince);

        relay.Restore();
        await log.WaitForAsync(LogEvents.Storage.AuditWriteRecovered, TimeSpan.FromSeconds(60));
        var started = TimeProvider.System.GetTimestamp();
        while (writer.Pending > 0)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60), $"{writer.Pending} entries never stored");
            await writer.FlushAsync(); // returns at once while the queue is still full
        }

        var kept = Total - (int)status.Dropped;
        var stored = await store.ListAsync(new AuditQuery(Limit: Total));
        var numbers = stored.Select(e => int.Parse(e.Detail![1..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(kept, numbers.Length);
        // The first Capacity always fit; which later ones did depends on when the writer took its batch. The order holds.
        Assert.Equal(Enumerable.Range(0, AuditWriter.Capacity), numbers.Take(AuditWriter.Capacity));
        Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.First < p.Second), "stored out of order");
        Assert.Equal((kept, 0L, (DateTimeOffset?)null), (writer.Status.Written, writer.Status.Pending, writer.Status.FailingSince));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task EntryTheDatabaseRefuses_IsSetAsideAndLogged_TheOthersAreStored(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlAuditStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
        var log = new RecordingLogger<AuditWriter>();
        await using var writer = new AuditWriter(store, TimeProvider.System, log);

        writer.Record(Entry(1));
        writer.Record(Entry(2, who: null!)); // who is NOT NULL in the table
        writer.Record(Entry(3));
        await writer.FlushAsync();

        Assert.Equal(["#1", "#3"], (await store.ListAsync(new AuditQuery())).Select(e => e.Detail));
        Assert.Equal((2L, 1L, 0L), (writer.Status.Written, writer.Status.SetAside, writer.Status.Pending));
        Assert.Contains("Audit entry set aside (POST /api/v1/silences by ", await log.WaitForAsync(LogEvents.Storage.AuditSetAside), StringComparison.Ordinal);
    }

    public void Dispose() => _backends.Dispose();
}
