using Ballast.Core.Security;
using Ballast.Storage.Security;

namespace Ballast.Storage.Tests;

/// <summary>The audit trail's store, on SQLite and on a real PostgreSQL.</summary>
public sealed class AuditStoreTests : IDisposable
{
    private readonly StoreBackends _backends = new();
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private async Task<SqlAuditStore> OpenAsync(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        return new SqlAuditStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
    }

    private static AuditEntry Entry(int minute, string who, string action, string outcome = "201", string? target = null, string? detail = null) =>
        new(0, T0.AddMinutes(minute), who, "Cookies", "127.0.0.1", action, target, outcome, detail);

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task List_OldestFirst_FiltersBySinceWhoAndActionPrefix_LimitKeepsTheNewest(string backend)
    {
        var store = await OpenAsync(backend);
        await store.AddAsync([
            Entry(0, "alice", "POST /api/v1/silences", detail: "match api-* until …"),
            Entry(1, "bob", "POST /api/v1/incidents/{id}/ack", "200", "id=inc-1"),
            Entry(2, "alice", "POST /api/v1/silences/{id}/expire", "204", "id=s1"),
            Entry(3, "alice", "deploy api", "Deployed", "service=api"),
        ]);

        var all = await store.ListAsync(new AuditQuery());
        Assert.Equal(["POST /api/v1/silences", "POST /api/v1/incidents/{id}/ack", "POST /api/v1/silences/{id}/expire", "deploy api"],
            all.Select(e => e.Action));
        Assert.Equal(all.Select(e => e.Id).Order(), all.Select(e => e.Id));
        var ack = all[1];
        Assert.Equal((T0.AddMinutes(1), "bob", "Cookies", "127.0.0.1", "id=inc-1", "200", (string?)null),
            (ack.At, ack.Who, ack.How, ack.From, ack.Target, ack.Outcome, ack.Detail));
        Assert.Equal("match api-* until …", all[0].Detail);

        Assert.Equal(["POST /api/v1/silences/{id}/expire", "deploy api"], (await store.ListAsync(new AuditQuery(Since: T0.AddMinutes(2)))).Select(e => e.Action));
        Assert.Equal([0, 2, 3], (await store.ListAsync(new AuditQuery(Who: "alice"))).Select(e => (int)(e.At - T0).TotalMinutes));
        Assert.Equal(["POST /api/v1/silences", "POST /api/v1/silences/{id}/expire"],
            (await store.ListAsync(new AuditQuery(Action: "POST /api/v1/silences"))).Select(e => e.Action));
        Assert.Empty(await store.ListAsync(new AuditQuery(Action: "post /api/v1/silences"))); // the same on both engines: case counts
        Assert.Equal(["POST /api/v1/silences/{id}/expire", "deploy api"], (await store.ListAsync(new AuditQuery(Limit: 2))).Select(e => e.Action));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Add_TextFromARequestWithNulAndHugeValues_IsStoredCleanedAndCut(string backend)
    {
        var store = await OpenAsync(backend);

        await store.AddAsync([Entry(0, "ev\0il", "POST /api/v1/silences", detail: new string('x', 50_000))]);

        var stored = Assert.Single(await store.ListAsync(new AuditQuery()));
        Assert.Equal("ev\uFFFDil", stored.Who);
        Assert.Equal(AuditEntry.MaxText, stored.Detail!.Length);
        Assert.EndsWith("…", stored.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Prune_DeletesOnlyEntriesOlderThanTheCutoff(string backend)
    {
        var store = await OpenAsync(backend);
        await store.AddAsync([Entry(-60, "old", "POST /a"), Entry(-1, "older-than-cutoff", "POST /b"), Entry(0, "at-cutoff", "POST /c"), Entry(5, "new", "POST /d")]);

        Assert.Equal(2, await store.PruneAsync(T0));

        Assert.Equal(["at-cutoff", "new"], (await store.ListAsync(new AuditQuery())).Select(e => e.Who));
    }

    public void Dispose() => _backends.Dispose();
}
