using Ballast.Core.Security;
using Ballast.Storage.Security;

namespace Ballast.Storage.Tests;

/// <summary>Users and API tokens, on SQLite and on a real PostgreSQL.</summary>
public sealed class IdentityStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly StoreBackends _backends = new();

    private async Task<SqlIdentityStore> OpenAsync(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        return new SqlIdentityStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Users_AddFindListRemove_ANameOnlyOnce(string backend)
    {
        var store = await OpenAsync(backend);
        var alice = new UserAccount("alice", Role.Responder, Passwords.Hash("correct horse battery"), T0);

        Assert.True(await store.AddUserAsync(alice));
        Assert.False(await store.AddUserAsync(alice with { Role = Role.Admin }));
        Assert.True(await store.AddUserAsync(new UserAccount("bob", Role.Admin, Passwords.Hash("another long one"), T0)));
        var found = await store.FindUserAsync("alice");
        Assert.Equal(alice, found);
        Assert.True(Passwords.Verify(found, "correct horse battery"));
        Assert.False(Passwords.Verify(found, "wrong horse battery"));
        Assert.Equal(["alice", "bob"], (await store.ListUsersAsync()).Select(u => u.Name));
        Assert.True(await store.RemoveUserAsync("alice"));
        Assert.False(await store.RemoveUserAsync("alice"));
        Assert.Null(await store.FindUserAsync("alice"));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Tokens_FoundByHashOnly_RevokedOnce_LastUseKept(string backend)
    {
        var store = await OpenAsync(backend);
        var secret = ApiTokenSecret.Create();
        var token = new ApiToken("t1", "ci", Role.Deployer, ApiTokenSecret.Hash(secret), T0, T0.AddDays(90), null, null);

        Assert.True(await store.AddTokenAsync(token));
        Assert.False(await store.AddTokenAsync(token with { Id = "t2", Hash = ApiTokenSecret.Hash(ApiTokenSecret.Create()) }));
        Assert.Equal(token, await store.FindTokenAsync(ApiTokenSecret.Hash(secret)));
        Assert.Null(await store.FindTokenAsync(secret)); // the secret itself is stored nowhere
        await store.TouchTokenAsync("t1", T0.AddHours(1));
        Assert.True(await store.RevokeTokenAsync("ci", T0.AddHours(2)));
        Assert.False(await store.RevokeTokenAsync("ci", T0.AddHours(3)));

        var listed = Assert.Single(await store.ListTokensAsync());
        Assert.Equal((T0.AddHours(1), T0.AddHours(2)), (listed.LastUsedAt, listed.RevokedAt));
        Assert.False(listed.IsValid(T0.AddHours(2)));
        Assert.StartsWith(ApiTokenSecret.Prefix, secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 4 + 43); // 256 bits in base64url
    }

    public void Dispose() => _backends.Dispose();
}
