using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ballast.Core.Config;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// <c>ballast user</c> and <c>ballast token</c> run as the real CLI on the storage, before and while a real server
/// runs on it, on SQLite and PostgreSQL; and the CLI's calls to the server with a token and with none.
/// </summary>
public sealed class IdentityCommandTests : IDisposable
{
    private const string Password = "correct horse battery";
    private readonly TempDirectory _dir = new();

    public static TheoryData<string> Backends => new("sqlite", "postgres");

    private async Task<string> ConfigAsync(string backend)
    {
        var storage = backend == "sqlite" ? "sqlite:ballast.db" : (await TestPostgres.CreateDatabaseAsync()).ToString();
        return _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{TestTcpServer.ClosedPort()}}", storage: "{{storage}}" }
            monitors:
              - { name: nightly, type: heartbeat, period: 1h }
            """);
    }

    private Task<BallastProcess> RunAsync(string config, string[] args, string? stdin = null, string? token = null) =>
        BallastProcess.RunAsync(_dir.Path, [.. args, "--config", config],
            token is null ? null : new Dictionary<string, string> { ["BALLAST_TOKEN"] = token }, stdin);

    private static async Task<WebApplication> ServeAsync(string config, TimeProvider? time = null)
    {
        var app = BallastServer.Build(ConfigLoader.Load(config).Require(), time, configureLogging: _ => { });
        await app.StartAsync();
        return app;
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task User_AddWithPasswordFromStdin_LogsIn_ListRemove(string backend)
    {
        var config = await ConfigAsync(backend);

        var add = await RunAsync(config, ["user", "add", "alice", "--role", "responder"], Password + "\n");
        var again = await RunAsync(config, ["user", "add", "alice", "--role", "admin"], Password + "\n");
        var badRole = await RunAsync(config, ["user", "add", "bob", "--role", "boss"], Password + "\n");
        var weak = await RunAsync(config, ["user", "add", "bob", "--role", "viewer"], "short\n");
        var list = await RunAsync(config, ["user", "list"]);

        Assert.Equal(ExitCodes.Ok, add.ExitCode);
        Assert.Equal(ExitCodes.NameConflict, again.ExitCode);
        Assert.Equal(ExitCodes.ConfigInvalid, badRole.ExitCode);
        Assert.Contains("is not one of viewer, responder, deployer, admin", badRole.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.ConfigInvalid, weak.ExitCode);
        Assert.Contains("alice", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("responder", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", list.Stdout, StringComparison.Ordinal);

        await using (var server = await ServeAsync(config))
        {
            using var client = new HttpClient { BaseAddress = new Uri(server.Addresses()[0]) };
            using var login = await client.PostAsJsonAsync("/api/v1/session", new LoginRequest("alice", Password), SessionJson.Default.LoginRequest);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        var remove = await RunAsync(config, ["user", "remove", "alice"]);
        var removeAgain = await RunAsync(config, ["user", "remove", "alice"]);
        Assert.Equal(ExitCodes.Ok, remove.ExitCode);
        Assert.Equal(ExitCodes.NotFound, removeAgain.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Token_CreateShownOnce_UsedByTheCli_ListRevoke_RefusedAfter(string backend)
    {
        var config = await ConfigAsync(backend);
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());

        var create = await RunAsync(config, ["token", "create", "--name", "ci", "--role", "responder", "--expires", "90d"]);
        var viewer = await RunAsync(config, ["token", "create", "--name", "dashboard", "--role", "viewer"]);
        var secret = create.Stdout.Trim();
        Assert.Equal(ExitCodes.Ok, create.ExitCode);
        Assert.StartsWith("blt_", secret, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, create.Stderr, StringComparison.Ordinal);

        await using var server = await ServeAsync(config, time);
        var silenced = await RunAsync(config, ["silence", "add", "--match", "night*", "--for", "1h", "--reason", "drill", "--by", "mallory"], token: secret);
        var tooSmall = await RunAsync(config, ["silence", "add", "--match", "*", "--for", "1h", "--reason", "quiet"], token: viewer.Stdout.Trim());
        var list = await RunAsync(config, ["token", "list"]);

        Assert.Equal(ExitCodes.Ok, silenced.ExitCode);
        Assert.Contains("by ci", (await RunAsync(config, ["silence", "list"])).Stdout, StringComparison.Ordinal); // the token's name, not --by
        Assert.Equal(ExitCodes.AccessDenied, tooSmall.ExitCode);
        Assert.Contains("ci", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("last used -", list.Stdout.Split('\n').Single(l => l.StartsWith("ci ", StringComparison.Ordinal)), StringComparison.Ordinal);

        var revoke = await RunAsync(config, ["token", "revoke", "ci"]);
        time.Advance(IdentityCache.Lifetime);
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses()[0]) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var refused = await client.GetAsync("/api/v1/monitors");
        var revokedCli = await RunAsync(config, ["silence", "list"], token: secret);

        Assert.Equal(ExitCodes.Ok, revoke.ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(ExitCodes.AccessDenied, revokedCli.ExitCode);
        Assert.Contains("revoked", revokedCli.Stderr, StringComparison.Ordinal);

        // The CLI's own changes are in the audit trail beside the server's: who ran it, how "cli".
        var audit = await RunAsync(config, ["audit", "--json"]);
        Assert.Equal(ExitCodes.Ok, audit.ExitCode);
        var entries = System.Text.Json.JsonDocument.Parse(audit.Stdout).RootElement.EnumerateArray()
            .Select(e => (Who: e.GetProperty("who").GetString(), How: e.GetProperty("how").GetString(), Action: e.GetProperty("action").GetString(),
                Target: e.GetProperty("target").GetString(), Outcome: e.GetProperty("outcome").GetString())).ToArray();
        // The server runs on a fake clock and the CLI on the real one, so the trail's time order says nothing here.
        Assert.Equal(new (string?, string?, string?, string?, string?)[]
        {
            (Environment.UserName, "cli", "token create", "name=ci", "created"),
            (Environment.UserName, "cli", "token create", "name=dashboard", "created"),
            ("ci", "Bearer", "POST /api/v1/silences", null, "201"),
            ("dashboard", "Bearer", "POST /api/v1/silences", null, "403"),
            (Environment.UserName, "cli", "token revoke", "name=ci", "revoked"),
        }.Order().ToArray(), entries.Order().ToArray());
        Assert.DoesNotContain(secret, audit.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_TokenToAnotherMachineOverPlainHttp_RefusesToSendIt()
    {
        var config = _dir.Write("ballast.yaml", """
            server: { listen: "http://192.0.2.10:7700", storage: "sqlite:ballast.db" }
            monitors: []
            """);

        var ack = await RunAsync(config, ["ack", "some-incident"], token: "blt_" + new string('x', 43));

        Assert.Equal(ExitCodes.AccessDenied, ack.ExitCode);
        Assert.Contains("refusing to call http://192.0.2.10:7700 over plain http", ack.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
