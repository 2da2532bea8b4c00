using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Security;
using Ballast.Server.Security;
using Ballast.Storage;
using Ballast.Storage.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>The audit trail of a real server: what it records, what it leaves out, and that it never holds a request up.</summary>
public sealed class AuditTests
{
    private static readonly int Closed = TestTcpServer.ClosedPort();

    private static readonly string Monitors = $$"""
          - { name: api, type: tcp, target: "127.0.0.1:{{Closed}}", interval: 200ms, failure_threshold: 1 }
          - { name: nightly, type: heartbeat, period: 1h }
        """;

    [Fact]
    public async Task StateChangingRequests_AreListedInOrder_WithRouteValuesStatusAddressAndDetail_PushAndReadsAreNot()
    {
        var callers = new Callers();
        await using var server = await ServerHarness.StartAsync(Monitors, configureServices: callers.Register);
        var incident = (await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1))[0].GetProperty("id").GetString()!;

        var created = await server.Client.PostAsJsonAsync("/api/v1/silences", new { match = "api*", @for = "1h", reason = "restore drill", by = "carol" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.PostAsync($"/api/v1/silences/{silence}/expire", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsJsonAsync($"/api/v1/incidents/{incident}/ack", new { by = "dave" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync("/api/v1/silences/no-such-silence/expire", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync("/api/push/nightly", new StringContent("backup done"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/v1/silences")).StatusCode);

        var entries = await ListAsync(server, "/api/v1/audit");

        Assert.Equal(
        [
            ("POST /api/v1/silences", null, "201"),
            ("POST /api/v1/silences/{id}/expire", $"id={silence}", "204"),
            ("POST /api/v1/incidents/{id}/ack", $"id={incident}", "200"),
            ("POST /api/v1/silences/{id}/expire", "id=no-such-silence", "404"),
        ], entries.Select(e => (e.Action, e.Target, e.Outcome)));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e.From));
        // Who and how are whatever authentication made of each request (anonymous until it is configured).
        Assert.Equal(callers.Seen("/api/v1/silences"), (entries[0].Who, entries[0].How));
        Assert.Equal(callers.Seen($"/api/v1/incidents/{incident}/ack"), (entries[2].Who, entries[2].How));
        Assert.StartsWith("match api* until ", entries[0].Detail, StringComparison.Ordinal);
        Assert.EndsWith(" by carol: restore drill", entries[0].Detail, StringComparison.Ordinal);
        Assert.Equal("by dave", entries[2].Detail);
        Assert.True(entries.Zip(entries.Skip(1)).All(p => p.First.At <= p.Second.At && p.First.Id < p.Second.Id));

        var silences = await ListAsync(server, "/api/v1/audit?action=" + Uri.EscapeDataString("POST /api/v1/silences"));
        Assert.Equal([$"id={silence}", "id=no-such-silence"], silences.Where(e => e.Target is not null).Select(e => e.Target));
        Assert.Equal(3, silences.Count);
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
            new AuditEntry(0, now.AddDays(-40), "alice", "Cookies", "10.0.0.1", "POST /api/v1/silences", null, "201", "long ago"),
            new AuditEntry(0, now.AddDays(-20), "bob", "Bearer", "10.0.0.2", "POST /api/v1/silences", null, "201", "within retention"),
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

    /// <summary>
    /// What <see cref="HttpContext.User"/> said of each request once the server's pipeline had run, read outside that
    /// pipeline: the names the audit trail must agree with, whatever authentication the server has.
    /// </summary>
    private sealed class Callers : IStartupFilter
    {
        private readonly ConcurrentDictionary<string, (string Who, string How)> _seen = new();

        public void Register(IServiceCollection services) => services.AddSingleton<IStartupFilter>(this);

        public (string Who, string How) Seen(string path) => _seen[path];

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                await inner(context);
                var identity = context.User.Identity;
                _seen[context.Request.Path.Value!] = identity is { IsAuthenticated: true }
                    ? (identity.Name!, identity.AuthenticationType!)
                    : (AuditEntry.Anonymous, AuditEntry.Anonymous);
            });
            next(app);
        };
    }
}
