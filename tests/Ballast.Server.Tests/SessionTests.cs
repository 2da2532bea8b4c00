using System.Net;
using System.Net.Http.Json;
using System.Text;
using Ballast.Core.Security;
using Ballast.Server.Security;
using Ballast.Storage;
using Ballast.Storage.Security;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Server.Tests;

/// <summary>People's cookie sessions and machines' API tokens against a real server, on SQLite and PostgreSQL.</summary>
public sealed class SessionTests
{
    private const string Monitors = """
          - name: backup
            type: heartbeat
            period: 1h
            token: b4ckup-push-t0ken-01
        """;

    private const string Password = "correct horse battery";

    public static TheoryData<string> Backends => new("sqlite", "postgres");

    private static async Task<string?> StorageAsync(string backend) =>
        backend == "sqlite" ? null : (await TestPostgres.CreateDatabaseAsync()).ToString();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Login_RightPassword_WhoAmI_LogoutNeedsTheAntiforgeryToken_ThenTheSessionIsOver(string backend)
    {
        await using var server = await ServerHarness.StartAsync(Monitors, storage: await StorageAsync(backend));
        await server.CreateUserAsync("alice", Role.Responder, Password);
        var (browser, token) = await server.LoginAsync("alice", Password);
        using var _ = browser;

        var me = await browser.GetFromJsonAsync("/api/v1/session", SessionJson.Default.SessionView);
        using var rollout = await browser.PostAsync("/api/v1/services/api/rollouts", Json("{}"));
        using var forgedLogout = await browser.DeleteAsync("/api/v1/session");
        using var logout = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/session") { Headers = { { SecurityServices.AntiforgeryHeader, token } } };
        using var loggedOut = await browser.SendAsync(logout);
        using var after = await browser.GetAsync("/api/v1/monitors");

        Assert.Equal(("alice", "responder", "Cookies"), (me!.Name, me.Role, me.Scheme));
        Assert.False(string.IsNullOrEmpty(me.AntiforgeryToken));
        Assert.Equal(HttpStatusCode.Forbidden, rollout.StatusCode); // a responder does not deploy
        Assert.Equal(HttpStatusCode.Forbidden, forgedLogout.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, loggedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Login_WrongPasswordOrUnknownName_SameAnswer401()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        await server.CreateUserAsync("alice", Role.Viewer, Password);
        using var client = server.NewClient();

        using var wrong = await client.PostAsync("/api/v1/session", Json("""{"name":"alice","password":"guess guess guess"}"""));
        using var unknown = await client.PostAsync("/api/v1/session", Json("""{"name":"nobody","password":"guess guess guess"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await wrong.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Empty(wrong.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.Where(c => c.StartsWith("ballast_session", StringComparison.Ordinal)) : []);
    }

    [Fact]
    public async Task Login_TwentyWrongPasswords_RateLimited429_ThenAfterTheWindowTheRightOneWorks()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, serverYaml: "login_limit: { attempts: 5, window: 2s }");
        await server.CreateUserAsync("alice", Role.Viewer, Password);
        using var client = server.NewClient();

        var statuses = new List<HttpStatusCode>();
        TimeSpan retryAfter = default;
        string detail = "";
        for (var i = 0; i < 20; i++)
        {
            using var answer = await client.PostAsync("/api/v1/session", Json("""{"name":"alice","password":"not the password"}"""));
            statuses.Add(answer.StatusCode);
            if (answer.StatusCode != HttpStatusCode.TooManyRequests) continue;
            retryAfter = answer.Headers.RetryAfter?.Delta ?? retryAfter;
            detail = await answer.Content.ReadAsStringAsync();
        }
        using (var stillLimited = await client.PostAsync("/api/v1/session", Json($$"""{"name":"alice","password":"{{Password}}"}""")))
            Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), statuses.Take(5));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Contains("too many logins", detail, StringComparison.Ordinal);

        // The limiter's window runs on its own clock (not the TimeProvider): the configured 2 s window is waited out.
        await Task.Delay(retryAfter + TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        using var right = await client.PostAsync("/api/v1/session", Json($$"""{"name":"alice","password":"{{Password}}"}"""));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Login_PerNameLimit_HoldsAcrossAddresses_AndAcrossSpacedSpellingsOfTheName()
    {
        // Behind a trusted proxy each attempt comes from another client address, so the per-address limit never
        // answers: only the per-name one can.
        await using var server = await ServerHarness.StartAsync(Monitors,
            serverYaml: "trusted_proxies: [127.0.0.1]\n  login_limit: { attempts: 5, window: 1h }");
        await server.CreateUserAsync("alice", Role.Viewer, Password);
        using var client = server.NewClient();
        string[] spellings = ["alice", " alice", "alice\t", "\nalice ", "alice\r\n"];

        var statuses = new List<HttpStatusCode>();
        var details = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var answer = await LoginFromAsync(client, $"198.51.100.{i + 1}", spellings[i % spellings.Length], "not the password");
            statuses.Add(answer.StatusCode);
            details.Add(await answer.Content.ReadAsStringAsync());
        }
        using var right = await LoginFromAsync(client, "203.0.113.1", "alice", Password);
        using var otherName = await LoginFromAsync(client, "203.0.113.2", "bob", "not the password");

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), statuses.Take(5));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.All(details.Skip(5), d => Assert.Contains("too many logins as \"alice\"", Detail(d), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode); // right password or not
        Assert.Equal(HttpStatusCode.Unauthorized, otherName.StatusCode); // another name has its own attempts
    }

    [Fact]
    public async Task Login_NameNoUserCanHave_400WithASentence_NeitherRepeatedBackNorCountedAsAName()
    {
        await using var server = await ServerHarness.StartAsync(Monitors,
            serverYaml: "trusted_proxies: [127.0.0.1]\n  login_limit: { attempts: 2, window: 1h }");
        using var client = server.NewClient();
        var huge = new string('x', 200_000);

        var answers = new List<(HttpStatusCode Status, string Body)>();
        foreach (var (name, i) in new[] { huge, huge, huge, "al ice", "anonymous", "alice\u0000" }.Select((n, i) => (n, i)))
        {
            using var answer = await LoginFromAsync(client, $"198.51.100.{i + 1}", name, "not the password");
            answers.Add((answer.StatusCode, await answer.Content.ReadAsStringAsync()));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status)); // never 401 nor 429
        Assert.All(answers, a => Assert.StartsWith("name is not a user name", Detail(a.Body), StringComparison.Ordinal));
        Assert.All(answers, a => Assert.True(a.Body.Length < 1_000, $"the answer repeats the name: {a.Body.Length} characters"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Token_UsedListedExpiredRevoked_RefusedWithinTheCacheTime(string backend)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        await using var server = await ServerHarness.StartAsync(Monitors, storage: await StorageAsync(backend), time: time);
        using var ci = server.NewClient(await server.CreateTokenAsync("ci", Role.Deployer));
        using var shortLived = server.NewClient(await server.CreateTokenAsync("one-hour", Role.Viewer, TimeSpan.FromHours(1)));
        var store = server.Services.GetRequiredService<IIdentityStore>();

        using (var me = await ci.GetAsync("/api/v1/session"))
            Assert.Equal(("ci", "deployer", "Bearer"), await ReadSessionAsync(me));
        using (var ok = await shortLived.GetAsync("/api/v1/monitors"))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var listed = await store.ListTokensAsync();
        Assert.Equal(time.GetUtcNow(), listed.Single(t => t.Name == "ci").LastUsedAt);

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using (var expired = await shortLived.GetAsync("/api/v1/monitors"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var fresh = await ci.GetAsync("/api/v1/monitors"))
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode); // read again from storage now: valid
        Assert.True(await store.RevokeTokenAsync("ci", time.GetUtcNow()));
        using (var cached = await ci.GetAsync("/api/v1/monitors"))
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode); // the cache still has it: at most IdentityCache.Lifetime
        time.Advance(IdentityCache.Lifetime);
        using (var revoked = await ci.GetAsync("/api/v1/monitors"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
            Assert.Contains("revoked", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var listed2 = await server.GetJsonAsync("/api/v1/tokens");
        Assert.Contains(listed2.EnumerateArray(), t => t.GetProperty("name").GetString() == "ci" && t.GetProperty("revokedAt").ValueKind == System.Text.Json.JsonValueKind.String);
        Assert.DoesNotContain("hash", listed2.GetRawText(), StringComparison.OrdinalIgnoreCase);
        using (var revokeAgain = await server.Client.PostAsync("/api/v1/tokens/ci/revoke", null))
            Assert.Equal(HttpStatusCode.NotFound, revokeAgain.StatusCode);
        using (var revokeShort = await server.Client.PostAsync("/api/v1/tokens/one-hour/revoke", null))
            Assert.Equal(HttpStatusCode.NoContent, revokeShort.StatusCode);
        using var made = server.NewClient("blt_" + new string('A', 43));
        using var unknown = await made.GetAsync("/api/v1/monitors");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }

    [Fact]
    public async Task LocalCredential_FromLoopback_ActsAsTheNameTheCliGives_AndTheFileIsOwnerOnly()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var path = LocalCredential.PathFor(Core.Config.ConfigLoader.Load(server.ConfigPath).Require());
        using var local = server.NewClient();
        local.DefaultRequestHeaders.Authorization = new("Local", (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).Trim());
        using var wrong = server.NewClient();
        wrong.DefaultRequestHeaders.Authorization = new("Local", "not-the-secret");

        using var silence = await local.PostAsync("/api/v1/silences", Json("""{"match":"back*","for":"1h","reason":"drill","by":"carol"}"""));
        using var refused = await wrong.GetAsync("/api/v1/monitors");

        Assert.Equal(HttpStatusCode.Created, silence.StatusCode);
        Assert.Equal("carol", (await server.GetJsonAsync("/api/v1/silences"))[0].GetProperty("createdBy").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task StorageAway_CredentialsSeenBeforeKeepTheirAnswer_NewOnes503_AfterItIsBackAllAsBefore()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var database = await TestPostgres.CreateDatabaseAsync();
        // Only users and tokens are read through the relay: the rest of the server keeps its storage.
        await using var relay = TcpRelay.Start(database.Host, database.Port);
        var throughRelay = new UriBuilder(database) { Port = relay.Port }.Uri.ToString();
        await using var server = await ServerHarness.StartAsync(Monitors, storage: database.ToString(), time: time,
            configureServices: s => s.AddSingleton<IIdentityStore>(new SqlIdentityStore(new PostgresDialect(throughRelay))));
        await server.CreateUserAsync("alice", Role.Viewer, Password);
        using var known = server.NewClient(await server.CreateTokenAsync("known", Role.Viewer));
        using var revoked = server.NewClient(await server.CreateTokenAsync("revoked", Role.Viewer));
        using var unseen = server.NewClient(await server.CreateTokenAsync("unseen", Role.Viewer));
        var (browser, _) = await server.LoginAsync("alice", Password);
        using var __ = browser;
        var store = server.Services.GetRequiredService<IIdentityStore>();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(known));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(revoked));
        Assert.True(await store.RevokeTokenAsync("revoked", time.GetUtcNow()));
        time.Advance(IdentityCache.Lifetime);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(revoked));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(browser));

        relay.Cut();
        // Past the cache's lifetime, so every answer below is one storage was asked for and could not give.
        time.Advance(IdentityCache.Lifetime + TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(known));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(browser));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(revoked)); // revoked stays revoked
        using (var refused = await unseen.GetAsync("/api/v1/monitors"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("storage unavailable, cannot check the credential", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var login = await server.NewClient().PostAsync("/api/v1/session", Json($$"""{"name":"alice","password":"{{Password}}"}""")))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
        time.Advance(IdentityCache.OutageGrace);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(known)); // not trusted blind for ever

        relay.Restore();
        // The connection pool finds its cut connections broken one by one: wait for storage to answer again.
        await EventuallyAsync(() => StatusAsync(known), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(unseen));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(browser));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(revoked));
    }

    private static string Detail(string problem) =>
        System.Text.Json.JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString() ?? "";

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var answer = await client.GetAsync("/api/v1/monitors");
        return answer.StatusCode;
    }

    private static async Task EventuallyAsync(Func<Task<HttpStatusCode>> status, HttpStatusCode wanted)
    {
        var started = TimeProvider.System.GetTimestamp();
        HttpStatusCode last;
        while ((last = await status()) != wanted)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30), $"still {last} after storage came back");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<HttpResponseMessage> LoginFromAsync(HttpClient client, string address, string name, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/session")
        {
            Content = JsonContent.Create(new LoginRequest(name, password), SessionJson.Default.LoginRequest),
            Headers = { { "X-Forwarded-For", address } },
        };
        return await client.SendAsync(request);
    }

    private static async Task<(string, string, string)> ReadSessionAsync(HttpResponseMessage answer)
    {
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var view = await answer.Content.ReadFromJsonAsync(SessionJson.Default.SessionView);
        return (view!.Name, view.Role, view.Scheme);
    }
}
