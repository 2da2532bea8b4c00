using System.Data.Common;
using Ballast.Core.Deploy;
using Ballast.Storage.Deploy;

namespace Ballast.Storage.Tests;

/// <summary>Deploy history, backups and locks, on SQLite and on a real PostgreSQL.</summary>
public sealed class DeployStoreTests : IDisposable
{
    private readonly StoreBackends _backends = new();
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private async Task<SqlDeployStore> OpenAsync(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        return new SqlDeployStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Lock_OneHolderAtATime_ReportsWhoAndSince_ForceBreaksIt(string backend)
    {
        var store = await OpenAsync(backend);

        Assert.Null(await store.TryLockAsync("api", "alice", T0, CancellationToken.None));
        Assert.Equal(new DeployLock("api", "alice", T0), await store.TryLockAsync("api", "bob", T0.AddMinutes(1), CancellationToken.None));
        Assert.Null(await store.TryLockAsync("web", "bob", T0, CancellationToken.None));

        await store.UnlockAsync("api", "bob", CancellationToken.None); // not bob's: stays
        Assert.NotNull(await store.TryLockAsync("api", "bob", T0, CancellationToken.None));
        await store.ForceUnlockAsync("api", CancellationToken.None);
        Assert.Null(await store.TryLockAsync("api", "bob", T0, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task CommitOf_NewestRecordOfTheReleaseThatKnowsOne_HoweverOld_OnlyThatServicesRecords(string backend)
    {
        var store = await OpenAsync(backend);
        await store.AddAsync(new DeployRecord { Service = "api", Release = "api.1", Commit = Commit, StartedAt = T0, Who = "ci" }, CancellationToken.None);
        for (var i = 0; i < 300; i++)
            await store.AddAsync(new DeployRecord { Service = "api", Release = "api.2", Commit = $"{i:x40}", StartedAt = T0, Who = "ci" }, CancellationToken.None);
        await store.AddAsync(new DeployRecord { Service = "api", Release = "api.1", StartedAt = T0, Who = "ci" }, CancellationToken.None);
        await store.AddAsync(new DeployRecord { Service = "web", Release = "api.3", Commit = Commit, StartedAt = T0, Who = "ci" }, CancellationToken.None);

        Assert.Equal(Commit, await store.CommitOfAsync("api", "api.1", CancellationToken.None));
        Assert.Equal($"{299:x40}", await store.CommitOfAsync("api", "api.2", CancellationToken.None));
        Assert.Null(await store.CommitOfAsync("api", "api.3", CancellationToken.None));
        Assert.Null(await store.CommitOfAsync("api", "api.9", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task LastDeployed_HoweverManyFailedDeploysFollow_FindsTheLiveRelease_OneReleasesNewest_AndARollbackTarget(string backend)
    {
        var store = await OpenAsync(backend);
        async Task<long> Add(string service, string release, DeployOutcome outcome)
        {
            var record = new DeployRecord { Service = service, Release = release, StartedAt = T0, Who = "ci", EnvNames = [release] };
            var id = await store.AddAsync(record, CancellationToken.None);
            await store.UpdateAsync(record with { Id = id, Outcome = outcome }, CancellationToken.None);
            return id;
        }
        var first = await Add("api", "api.1", DeployOutcome.Deployed);
        var live = await Add("api", "api.2", DeployOutcome.Deployed);
        // More refused and rolled-back deploys than any history page reads.
        for (var i = 0; i < 150; i++)
        {
            await Add("api", "api.3", DeployOutcome.RolledBack);
            await Add("api", "api.4", DeployOutcome.Refused);
        }
        await Add("web", "web.1", DeployOutcome.Deployed);

        Assert.Equal((live, "api.2"), await Found(null, null));
        Assert.Equal((first, "api.1"), await Found("api.1", null));
        Assert.Equal((first, "api.1"), await Found(null, "api.2"));
        Assert.Null(await store.LastDeployedAsync("api", "api.3", null, CancellationToken.None));
        Assert.Null(await store.LastDeployedAsync("db", null, null, CancellationToken.None));
        Assert.Equal(["api.2"], (await store.LastDeployedAsync("api", null, null, CancellationToken.None))!.EnvNames);

        async Task<(long, string?)?> Found(string? release, string? otherThan) =>
            await store.LastDeployedAsync("api", release, otherThan, CancellationToken.None) is { } r ? (r.Id, r.Release) : null;
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Prune_KeptReleaseWhoseCommitOnlyItsBuildRecordHolds_KeepsThatRecord(string backend)
    {
        var store = await OpenAsync(backend);
        async Task Add(string release, DeployOutcome outcome, string? commit)
        {
            var record = new DeployRecord { Service = "api", Release = release, Commit = commit, StartedAt = T0, Who = "ci" };
            await store.UpdateAsync(record with { Id = await store.AddAsync(record, CancellationToken.None), Outcome = outcome }, CancellationToken.None);
        }
        await Add("api.1", DeployOutcome.Deployed, Commit); // the build
        await Add("api.1", DeployOutcome.Deployed, null); // a redeploy whose record does not know the commit
        for (var i = 2; i < 8; i++) await Add($"api.{i}", DeployOutcome.RolledBack, null);

        var deleted = await store.PruneAsync("api", keepRecords: 3, keepReleases: 2, CancellationToken.None);

        Assert.Equal(3, deleted);
        Assert.Equal(Commit, await store.CommitOfAsync("api", "api.1", CancellationToken.None));
        Assert.Equal(["api.7", "api.6", "api.5", "api.1", "api.1"], (await store.HistoryAsync("api", 100, CancellationToken.None)).Select(r => r.Release));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task RenewLock_MovesItsHoldersRenewalTime_OnlyForItsHolder(string backend)
    {
        var store = await OpenAsync(backend);
        Assert.Null(await store.TryLockAsync("api", "alice", T0, CancellationToken.None));

        Assert.True(await store.RenewLockAsync("api", "alice", T0.AddMinutes(2), CancellationToken.None));
        Assert.False(await store.RenewLockAsync("api", "bob", T0.AddMinutes(3), CancellationToken.None));

        Assert.Equal(new DeployLock("api", "alice", T0.AddMinutes(2)), await store.TryLockAsync("api", "bob", T0.AddMinutes(4), CancellationToken.None));
        await store.ForceUnlockAsync("api", CancellationToken.None);
        Assert.False(await store.RenewLockAsync("api", "alice", T0.AddMinutes(5), CancellationToken.None)); // broken: alice learns she lost it
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task History_KeepsEveryFieldAndStep_NewestFirst_WithTheBackupsOfEachDeploy(string backend)
    {
        var store = await OpenAsync(backend);
        var first = new DeployRecord { Service = "api", Release = "api.1", StartedAt = T0, Who = "alice" };
        var id = await store.AddAsync(first, CancellationToken.None);
        var done = first with
        {
            Id = id, FinishedAt = T0.AddSeconds(7), Outcome = DeployOutcome.RolledBack, RolledBackTo = "api.0", EnvNames = ["DATABASE_URL"], Commit = Commit,
            Steps = [new DeployStep("rollout", StepOutcome.Failed, T0.AddSeconds(1), TimeSpan.FromMilliseconds(1500), "not ready")],
        };
        await store.UpdateAsync(done, CancellationToken.None);
        var second = await store.AddAsync(new DeployRecord { Service = "api", Kind = "rollback", StartedAt = T0.AddMinutes(1), Who = "bob", RollbackOf = id },
            CancellationToken.None);
        await store.AddBackupAsync(id, "api", new SpecBackup("/repo/deploy.json", "{\"image\":\":api.web.1\"}"), T0, CancellationToken.None);

        var history = await store.HistoryAsync("api", 10, CancellationToken.None);

        Assert.Equal([second, id], history.Select(r => r.Id));
        var stored = history[1];
        Assert.Equal((done.Outcome, done.RolledBackTo, done.FinishedAt, "alice"), (stored.Outcome, stored.RolledBackTo, stored.FinishedAt, stored.Who));
        Assert.Equal(done.EnvNames, stored.EnvNames);
        Assert.Equal(Commit, stored.Commit);
        Assert.Null(history[0].Commit);
        Assert.Equal(done.Steps, stored.Steps);
        Assert.Equal(id, history[0].RollbackOf);
        Assert.Empty(await store.HistoryAsync("web", 10, CancellationToken.None));
        var backup = Assert.Single(await store.BackupsAsync("api", 10, CancellationToken.None));
        Assert.Equal((id, "/repo/deploy.json", "{\"image\":\":api.web.1\"}", T0), (backup.DeployId, backup.File, backup.Content, backup.CreatedAt));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Prune_KeepsTheNewestAndEveryRollbackTarget_OtherRecordsAndTheirBackupsGo(string backend)
    {
        var store = await OpenAsync(backend);
        async Task<long> Add(string release, DeployOutcome outcome, int minute)
        {
            var id = await store.AddAsync(new DeployRecord { Service = "api", Release = release, StartedAt = T0.AddMinutes(minute), Who = "ci" }, CancellationToken.None);
            await store.UpdateAsync(new DeployRecord { Id = id, Service = "api", Release = release, StartedAt = T0.AddMinutes(minute), Who = "ci", Outcome = outcome },
                CancellationToken.None);
            await store.AddBackupAsync(id, "api", new SpecBackup("deploy.json", release), T0, CancellationToken.None);
            return id;
        }
        // Two verified releases, long ago; then a run of failures, the newest records.
        await Add("api.1", DeployOutcome.Deployed, 0);
        await Add("api.2", DeployOutcome.Deployed, 1);
        await Add("api.2", DeployOutcome.Deployed, 2); // redeployed: the newer record of api.2 is the one kept
        for (var i = 3; i < 13; i++) await Add($"api.{i}", DeployOutcome.RolledBack, i);
        await store.AddAsync(new DeployRecord { Service = "web", Release = "web.1", StartedAt = T0, Who = "ci" }, CancellationToken.None);

        var deleted = await store.PruneAsync("api", keepRecords: 4, keepReleases: 2, CancellationToken.None);

        var left = await store.HistoryAsync("api", 100, CancellationToken.None);
        Assert.Equal(7, deleted);
        Assert.Equal(["api.12", "api.11", "api.10", "api.9", "api.2", "api.1"], left.Select(r => r.Release));
        Assert.Equal(T0.AddMinutes(2), left.Single(r => r.Release == "api.2").StartedAt);
        Assert.Equal(["api.12", "api.11", "api.10", "api.9", "api.2", "api.1"],
            (await store.BackupsAsync("api", 100, CancellationToken.None)).Select(b => b.Content));
        Assert.Single(await store.HistoryAsync("web", 100, CancellationToken.None));
        Assert.Equal(0, await store.PruneAsync("api", keepRecords: 4, keepReleases: 2, CancellationToken.None));
        Assert.Equal(["api", "web"], await store.ServicesAsync(CancellationToken.None));
    }

    /// <summary>The schema as a Ballast that knew only its first <paramref name="steps"/> steps left it.</summary>
    private sealed class EarlierSchema(SqlDialect dialect, int steps) : SqlDialect
    {
        public override string Name => dialect.Name;
        public override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => dialect.OpenAsync(cancellationToken);
        public override IReadOnlyList<string[]> Migrations => [.. dialect.Migrations.Take(steps)];
        public override string Describe() => dialect.Describe();
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Migrate_DatabaseFromBeforeTheCommitColumn_KeepsEveryDeploy_WithNoCommit_AndStoresCommitsFromThen(string backend)
    {
        var dialect = await _backends.DialectAsync(backend);
        var commitStep = dialect.Migrations.ToList().FindIndex(step => step.Any(s => s.Contains("""deploys ADD COLUMN "commit" """, StringComparison.Ordinal)));
        Assert.True(commitStep > 0);
        await new SchemaMigrator(new EarlierSchema(dialect, commitStep)).MigrateAsync();
        // Rows as the earlier Ballast wrote them: a verified release (a rollback target) and the deploy that replaced it.
        await using (var connection = await dialect.OpenAsync(CancellationToken.None))
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO deploys (service, kind, release_ref, started_at, finished_at, who, outcome, rollback_of, rolled_back_to, env_names, steps) VALUES
                  ('api', 'deploy', 'api.1', 1700000000000, 1700000060000, 'ci', 'Deployed', NULL, NULL, '["DATABASE_URL"]', '[]'),
                  ('api', 'deploy', 'api.2', 1700000100000, 1700000160000, 'ci', 'Deployed', NULL, NULL, '["DATABASE_URL"]', '[]')
                """;
            Assert.Equal(2, await insert.ExecuteNonQueryAsync());
        }

        await new SchemaMigrator(dialect).MigrateAsync();

        var store = new SqlDeployStore(dialect);
        var kept = await store.HistoryAsync("api", 10, CancellationToken.None);
        Assert.Equal(["api.2", "api.1"], kept.Select(r => r.Release));
        Assert.All(kept, r => Assert.Null(r.Commit));
        Assert.All(kept, r => Assert.Equal(["DATABASE_URL"], r.EnvNames));
        var id = await store.AddAsync(new DeployRecord { Service = "api", Release = "api.3", Commit = Commit, StartedAt = T0, Who = "ci" }, CancellationToken.None);
        Assert.Equal((id, Commit), (await store.HistoryAsync("api", 1, CancellationToken.None)).Select(r => (r.Id, r.Commit)).Single());
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Count_ByServiceKindAndOutcome(string backend)
    {
        var store = await OpenAsync(backend);
        foreach (var (service, kind, outcome) in new[]
        {
            ("api", "deploy", DeployOutcome.Deployed), ("api", "deploy", DeployOutcome.Deployed), ("api", "deploy", DeployOutcome.RolledBack),
            ("api", "rollback", DeployOutcome.Deployed), ("web", "deploy", DeployOutcome.Refused),
        })
            await store.AddAsync(new DeployRecord { Service = service, Kind = kind, Outcome = outcome, StartedAt = T0, Who = "ci" }, CancellationToken.None);

        var counts = (await store.CountAsync(CancellationToken.None)).OrderBy(c => (c.Service, c.Kind, c.Outcome)).ToArray();

        Assert.Equal([
            new DeployCount("api", "deploy", DeployOutcome.Deployed, 2), new DeployCount("api", "deploy", DeployOutcome.RolledBack, 1),
            new DeployCount("api", "rollback", DeployOutcome.Deployed, 1), new DeployCount("web", "deploy", DeployOutcome.Refused, 1),
        ], counts);
    }

    public void Dispose() => _backends.Dispose();
}
