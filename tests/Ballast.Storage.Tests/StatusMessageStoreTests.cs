using Ballast.Core.StatusPages;
using Ballast.Storage.StatusPages;

namespace Ballast.Storage.Tests;

/// <summary>Status pages' public messages, on SQLite and on a real PostgreSQL.</summary>
public sealed class StatusMessageStoreTests : IDisposable
{
    private readonly StoreBackends _backends = new();
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private async Task<SqlStatusMessageStore> OpenAsync(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        return new SqlStatusMessageStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
    }

    private static PublicMessage Message(string page, string title, int minute, PublicMessageState state = PublicMessageState.Investigating, string? incident = null)
    {
        var at = T0.AddMinutes(minute);
        return new PublicMessage(PublicMessage.NewId(), page, title, incident, at, at, state == PublicMessageState.Resolved ? at : null, state,
            [new PublicUpdate(PublicMessage.NewId(), at, state, $"{title}: first words", "alice")]);
    }

    private static PublicUpdate Update(int minute, PublicMessageState state, string body) => new(PublicMessage.NewId(), T0.AddMinutes(minute), state, body, "bob");

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task List_NewestFirstWithUpdatesNewestFirst_OnlyThePage(string backend)
    {
        var store = await OpenAsync(backend);
        var slow = Message("acme", "Slow sign-in", 0, incident: "inc-1");
        var errors = Message("acme", "Errors on checkout", 5);
        await store.AddAsync(slow);
        await store.AddAsync(errors);
        await store.AddAsync(Message("other", "Elsewhere", 1));

        Assert.True(await store.AddUpdateAsync("acme", slow.Id, Update(10, PublicMessageState.Identified, "A database index was missing.\nAdding it.")));
        Assert.True(await store.AddUpdateAsync("acme", slow.Id, Update(20, PublicMessageState.Monitoring, "Fixed; watching.")));

        var list = await store.ListAsync("acme", null);
        Assert.Equal(["Errors on checkout", "Slow sign-in"], list.Select(m => m.Title));
        var stored = list[1];
        Assert.Equal((slow.Id, "acme", "inc-1", PublicMessageState.Monitoring, T0, T0.AddMinutes(20), (DateTimeOffset?)null),
            (stored.Id, stored.Page, stored.IncidentId, stored.State, stored.CreatedAt, stored.UpdatedAt, stored.ResolvedAt));
        Assert.Equal(["Fixed; watching.", "A database index was missing.\nAdding it.", "Slow sign-in: first words"], stored.Updates.Select(u => u.Body));
        Assert.Equal([PublicMessageState.Monitoring, PublicMessageState.Identified, PublicMessageState.Investigating], stored.Updates.Select(u => u.State));
        Assert.Equal(["bob", "bob", "alice"], stored.Updates.Select(u => u.By));
        Assert.Single(list[0].Updates);
        Assert.Equal(["Errors on checkout"], (await store.ListAsync("acme", null, limit: 1)).Select(m => m.Title));
        Assert.Empty(await store.ListAsync("nobody", null));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task AddUpdate_Resolved_KeepsFirstResolvedTime_ReopenClearsIt_WrongPageOrIdIsFalse(string backend)
    {
        var store = await OpenAsync(backend);
        var message = Message("acme", "Outage", 0);
        await store.AddAsync(message);

        Assert.False(await store.AddUpdateAsync("other", message.Id, Update(1, PublicMessageState.Resolved, "x")));
        Assert.False(await store.AddUpdateAsync("acme", "no-such-id", Update(1, PublicMessageState.Resolved, "x")));
        Assert.True(await store.AddUpdateAsync("acme", message.Id, Update(30, PublicMessageState.Resolved, "Back.")));
        Assert.True(await store.AddUpdateAsync("acme", message.Id, Update(40, PublicMessageState.Resolved, "Root cause: a full disk.")));
        var resolved = Assert.Single(await store.ListAsync("acme", null));
        Assert.Equal((PublicMessageState.Resolved, T0.AddMinutes(30), T0.AddMinutes(40)), (resolved.State, resolved.ResolvedAt!.Value, resolved.UpdatedAt));

        Assert.True(await store.AddUpdateAsync("acme", message.Id, Update(50, PublicMessageState.Investigating, "It is back.")));
        var reopened = Assert.Single(await store.ListAsync("acme", T0.AddDays(1)));
        Assert.Null(reopened.ResolvedAt);
        Assert.Equal(4, reopened.Updates.Count);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task ListSinceAndPrune_LeaveOpenOnes_DropOldResolvedWithTheirUpdates(string backend)
    {
        var store = await OpenAsync(backend);
        var open = Message("acme", "Still open", 0);
        var old = Message("acme", "Resolved long ago", 1, PublicMessageState.Resolved);
        var recent = Message("acme", "Resolved lately", 60, PublicMessageState.Resolved);
        foreach (var m in new[] { open, old, recent }) await store.AddAsync(m);

        Assert.Equal(["Resolved lately", "Still open"], (await store.ListAsync("acme", T0.AddMinutes(30))).Select(m => m.Title));
        Assert.Equal(1, await store.PruneAsync(T0.AddMinutes(30)));
        Assert.Equal(["Resolved lately", "Still open"], (await store.ListAsync("acme", null)).Select(m => m.Title));
        Assert.Equal(0, await store.PruneAsync(T0.AddMinutes(30)));
        // The pruned message's update went with it: adding one to it now finds nothing.
        Assert.False(await store.AddUpdateAsync("acme", old.Id, Update(90, PublicMessageState.Resolved, "late")));
    }

    public void Dispose() => _backends.Dispose();
}
