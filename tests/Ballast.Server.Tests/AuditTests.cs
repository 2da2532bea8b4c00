using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Security;
using Ballast.Server.Security;
using Ballast.Storage;
using Ballast.Storage.Security;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>The audit trail of a real server: what it records, what it leaves out, and that it never holds a request up.</summary>
public sealed class AuditTests
{
    private static readonly int Closed = TestTcpServer.ClosedPort();

    private static readonly string Monitors = $$"""
          - { name: api, type: tcp, target: "127.0.0.1:{{Closed}}", interval: 200ms, failure_threshold: 1 }
          - { name: nightly, type: heartbeat, period: 1h, token: nightly-backup-job-token }
        """;

    [Fact]
    public async Task StateChangingRequests_AreListedInOrder_WithWhoHowRouteValuesStatusAddressAndDetail_PushAndReadsAreNot()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var incident = (await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1))[0].GetProperty("id").GetString()!;
        using var bot = server.NewClient(await server.CreateTokenAsync("oncall-bot", Role.Responder));
        using var wall = server.NewClient(await server.CreateTokenAsync("wall", Role.Viewer));
        await server.CreateUserAsync("carol", Role.Responder, "carol's long passphrase");

        // A body's "by" names nobody: the token does.
        var created = await bot.PostAsJsonAsync("/api/v1/silences", new { match = "api*", @for = "1h", reason = "restore drill", by = "mallory" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var (browser, antiforgery) = await server.LoginAsync("carol", "carol's long passphrase");
        using (browser)
        {
            using var wrong = server.NewClient();
            Assert.Equal(HttpStatusCode.Unauthorized,
                (await wrong.PostAsJsonAsync("/api/v1/session", new { name = "carol", password = "a guess at it" })).StatusCode);
            using var expire = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/silences/{silence}/expire");
            expire.Headers.Add("X-CSRF-TOKEN", antiforgery);
            Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(expire)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await bot.PostAsJsonAsync($"/api/v1/incidents/{incident}/ack", new { by = "mallory" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await wall.PostAsJsonAsync("/api/v1/silences", new { match = "*", @for = "1h", reason = "quiet" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync("/api/v1/silences/no-such-silence/expire", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/api/push/nightly-backup-job-token", new StringContent("backup done"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/v1/silences")).StatusCode);

        var entries = await ListAsync(server, "/api/v1/audit");

        Assert.Equal(
        [
            ("oncall-bot", "Bearer", "POST /api/v1/silences", null, "201"),
            ("carol", "Cookies", "POST /api/v1/session", null, "200"),
            (AuditEntry.Anonymous, AuditEntry.Anonymous, "POST /api/v1/session", null, "401"),
            ("carol", "Cookies", "POST /api/v1/silences/{id}/expire", $"id={silence}", "204"),
            ("oncall-bot", "Bearer", "POST /api/v1/incidents/{id}/ack", $"id={incident}", "200"),
            ("wall", "Bearer", "POST /api/v1/silences", null, "403"),
            ("harness-admin", "Bearer", "POST /api/v1/silences/{id}/expire", "id=no-such-silence", "404"),
        ], entries.Select(e => (e.Who, e.How, e.Action, e.Target, e.Outcome)));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e.From));
        Assert.StartsWith("match api* until ", entries[0].Detail, StringComparison.Ordinal);
        Assert.EndsWith(" by oncall-bot: restore drill", entries[0].Detail, StringComparison.Ordinal);
        Assert.Equal("as \"carol\"", entries[2].Detail);
        Assert.Equal("by oncall-bot", entries[4].Detail);
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.At <= p.Second.At && p.First.Id < p.Second.Id));

        var silences = await ListAsync(server, "/api/v1/audit?action=" + Uri.EscapeDataString("POST /api/v1/silences"));
        Assert.Equal([$"id={silence}", "id=no-such-silence"], silences.Where(e => e.Target is not null).Select(e => e.Target));
        Assert.Equal(4, silences.Count);
        Assert.Equal(["carol", "carol"], (await ListAsync(server, "/api/v1/audit?who=carol")).Select(e => e.Who));
        Assert.Equal(2, (await ListAsync(server, "/api/v1/audit?limit=2")).Count);
        Assert.Empty(await ListAsync(server, "/api/v1/audit?since=" + Uri.EscapeDataString(TimeProvider.System.GetUtcNow().AddHours(1).ToString("O"))));
        var bad = await server.Client.GetAsync("/api/v1/audit?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("since=\\\"yesterday\\\" is neither a duration", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditStorageAway_RequestsStillAnswerPromptly_TheEntryIsStoredOnceItIsBack()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        // Only the audit trail goes through the relay: the silence itself is stored, the audit entry cannot be.
        await using var relay = TcpRelay.Start(database.Host, database.Port);
        var throughRelay = new UriBuilder(database) { Port = relay.Port }.Uri.ToString();
        await using var server = await ServerHarness.StartAsync(Monitors, storage: database.ToString(),
            configureServices: s => s.AddSingleton<IAuditStore>(new SqlAuditStore(new PostgresDialect(throughRelay))));
        relay.Cut();

        var watch = TimeProvider.System.GetTimestamp();
        var created = await server.Client.PostAsJsonAsync("/api/v1/silences", new { match = "api*", @for = "1h", reason = "audit away" });
        var took = TimeProvider.System.GetElapsedTime(watch);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(took < TimeSpan.FromSeconds(5), $"the request waited for the audit trail: {took}");
        var stats = await server.EventuallyAsync("/api/v1/stats", s => s.GetProperty("audit").GetProperty("failures").GetInt64() >= 1);
        var audit = stats.GetProperty("audit");
        Assert.NotEqual(JsonValueKind.Null, audit.GetProperty("failingSince").ValueKind);
        Assert.Equal(1, audit.GetProperty("pending").GetInt64());
        Assert.Equal(0, audit.GetProperty("dropped").GetInt64());

        relay.Restore();
        var entries = await EventuallyListAsync(server, l => l.Count == 1);
        Assert.Equal(("POST /api/v1/silences", "201"), (entries[0].Action, entries[0].Outcome));
        Assert.EndsWith(": audit away", entries[0].Detail, StringComparison.Ordinal);
        var after = (await server.GetJsonAsync("/api/v1/stats")).GetProperty("audit");
        Assert.Equal((1, 0, JsonValueKind.Null), (after.GetProperty("written").GetInt64(), after.GetProperty("pending").GetInt64(), after.GetProperty("failingSince").ValueKind));
    }

    [Fact]
    public async Task Retention_PrunesEntriesOlderThanRetentionAudit_KeepsNewerOnes()
    {
        var database = (await TestPostgres.CreateDatabaseAsync()).ToString();
        await new SchemaMigrator(new PostgresDialect(database)).MigrateAsync();
        var store = new SqlAuditStore(new PostgresDialect(database));
        var now = TimeProvider.System.GetUtcNow();
        await store.AddAsync([
            new AuditEntry(0, now.AddDays(-40), "alice", "Cookies", "198.51.100.1", "POST /api/v1/silences", null, "201", "long ago"),
            new AuditEntry(0, now.AddDays(-20), "bob", "Bearer", "198.51.100.2", "POST /api/v1/silences", null, "201", "within retention"),
        ]);

        await using var server = await ServerHarness.StartAsync(Monitors, storage: database, serverYaml: "retention: { audit: 30d }");

        var started = TimeProvider.System.GetTimestamp();
        while ((await store.ListAsync(new AuditQuery())).Any(e => e.Detail == "long ago"))
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60), "old audit entries were never pruned");
            await Task.Delay(50);
        }
        Assert.Equal(["within retention"], (await store.ListAsync(new AuditQuery())).Select(e => e.Detail));
    }

    private static async Task<IReadOnlyList<AuditView>> ListAsync(ServerHarness server, string path) =>
        (await server.Client.GetFromJsonAsync(path, AuditJson.Default.IReadOnlyListAuditView))!;

    /// <summary>Polls the audit API, which answers 500 while its database connection is being re-established.</summary>
    private static async Task<IReadOnlyList<AuditView>> EventuallyListAsync(ServerHarness server, Func<IReadOnlyList<AuditView>, bool> condition)
    {
        var started = TimeProvider.System.GetTimestamp();
        string last = "";
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            using var answer = await server.Client.GetAsync("/api/v1/audit");
            last = await answer.Content.ReadAsStringAsync();
            if (answer.IsSuccessStatusCode && JsonSerializer.Deserialize(last, AuditJson.Default.IReadOnlyListAuditView) is { } list && condition(list)) return list;
            await Task.Delay(100);
        }
        throw new TimeoutException($"the audit trail never showed what was expected; last answer: {last}");
    }
}
