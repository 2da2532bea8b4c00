using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Storage.Alerting;
using Ballast.Testing;
using Microsoft.Data.Sqlite;

namespace Ballast.Storage.Tests;

/// <summary>A SQLite file that could not be written for a while (immutable, read-only) takes writes again once it can.</summary>
public sealed class SqliteReadOnlyTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    private string[] Files => Directory.GetFiles(_dir.Path, "ballast.db*").Where(f => !f.EndsWith("-shm", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task Write_AfterTheFileWasImmutable_SucceedsOnceItIsWritableAgain()
    {
        var dialect = new SqliteDialect(_dir.File("ballast.db"));
        await new SchemaMigrator(dialect).MigrateAsync();
        var store = new SqlNotificationStore(dialect);
        Notification Note(string id) => new(id, "hooks", new AlertMessage(NotificationKind.Firing,
            [new AlertItem("i1", "api", "http", Severity.Critical, "got 503", T0, T0, null, 2, null)], "http://127.0.0.1:7700/", T0), "i1",
            NotificationStatus.Pending, 0, T0, T0);
        await store.AddAsync([Note("before")]);
        SqliteConnection.ClearAllPools(); // the next connection is opened while the file cannot be written

        foreach (var f in Files) await ChattrAsync("+i", f);
        await Assert.ThrowsAsync<SqliteException>(() => store.AddAsync([Note("during")]));
        foreach (var f in Files) await ChattrAsync("-i", f);

        await store.AddAsync([Note("after")]);
        Assert.Equal(["after", "before"], (await store.ListAsync()).Select(n => n.Id).Order());
    }

    private static Task ChattrAsync(string flag, string file) => SystemCommand.RunAsync("chattr", flag, file);

    public async ValueTask DisposeAsync()
    {
        foreach (var f in Files) await ChattrAsync("-i", f);
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
