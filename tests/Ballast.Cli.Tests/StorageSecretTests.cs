using System.Net;
using System.Text.Json;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Cli.Tests;

/// <summary>
/// The password in a postgres:// storage URL stays secret while storage fails: the failure is reported in
/// /health/ready, /api/v1/stats and the log, and none of them may carry it. The database is reached through a relay
/// the test cuts, so the failure is a real refused connection; the test server trusts loopback, so the password is
/// accepted while the relay is up.
/// </summary>
public sealed class StorageSecretTests : IAsyncLifetime
{
    private const string Password = "Pw-7f3c1e9a-drill";
    private readonly TempDirectory _dir = new();
    private TestWebServer _target = null!;
    private TcpRelay _relay = null!;
    private HttpClient _api = null!;
    private int _port;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app => app.MapGet("/ok", () => Results.Ok()));
        var database = await TestPostgres.CreateDatabaseAsync();
        _relay = TcpRelay.Start(database.Host, database.Port);
        _port = TestTcpServer.ClosedPort();
        _api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(10) };
        var user = database.UserInfo.Split(':')[0];
        var storage = $"postgres://{user}:{Password}@127.0.0.1:{_relay.Port}{database.AbsolutePath}";
        _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{_port}}", storage: "{{storage}}" }
            monitors:
              - { name: web, type: http, url: "{{_target.Url("/ok")}}", interval: 500ms }
            """);
    }

    [Fact]
    public async Task Serve_PostgresWithPasswordFailing_PasswordInNoAnswerNorLog()
    {
        using var serve = BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
        await Until(async () => (await GetAsync("/health/ready")).Status == HttpStatusCode.OK, serve);

        _relay.Cut();
        string ready = "";
        await Until(async () =>
        {
            (var status, ready) = await GetAsync("/health/ready");
            return status == HttpStatusCode.ServiceUnavailable && ready.Contains("failing for", StringComparison.Ordinal);
        }, serve);
        var (_, stats) = await GetAsync("/api/v1/stats");
        await serve.TerminateAsync();

        // The failure is there to be read, and says where, with the password masked or left out.
        Assert.Contains($"127.0.0.1:{_relay.Port}", ready);
        Assert.Contains("\"failure\"", stats);
        Assert.NotNull(JsonDocument.Parse(stats).RootElement.GetProperty("writer").GetProperty("failure").GetString());
        Assert.DoesNotContain(Password, ready);
        Assert.DoesNotContain(Password, stats);
        Assert.DoesNotContain(Password, serve.Stdout + serve.Stderr);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await _api.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (0, ""); // not listening yet
        }
    }

    private static async Task Until(Func<Task<bool>> condition, BallastProcess serve)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.False(serve.HasExited, $"ballast serve exited {(serve.HasExited ? serve.ExitCode : 0)}: {serve.Stdout}{serve.Stderr}");
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(90)) throw new TimeoutException(serve.Stdout + serve.Stderr);
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await _relay.DisposeAsync();
        await _target.DisposeAsync();
        _dir.Dispose();
    }
}
