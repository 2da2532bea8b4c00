using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;

namespace Ballast.Cli.Tests;

/// <summary><c>ballast serve</c> as a real process: crash safety under kill -9, and a clean stop on SIGTERM.</summary>
public sealed class ServeCommandTests : IAsyncLifetime
{
    private const int Healthy = 20;
    private readonly TempDirectory _dir = new();
    private TestWebServer _target = null!;
    private int _port;
    private HttpClient _api = null!;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app =>
        {
            app.MapGet("/ok", () => "ok");
            app.MapGet("/down", () => Results.StatusCode(503));
        });
        _port = TestTcpServer.ClosedPort();
        _api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(5) };
        var yaml = new StringBuilder($"""
            server:
              listen: http://127.0.0.1:{_port}
              storage: sqlite:state/ballast.db
            monitors:
              - {"{"} name: broken, type: http, url: "{_target.Url("/down")}", interval: 100ms, retry_interval: 100ms, failure_threshold: 2 {"}"}

            """);
        for (var i = 0; i < Healthy; i++)
            yaml.AppendLine($"  - {{ name: web-{i}, type: http, url: \"{_target.Url("/ok")}\", interval: 100ms }}");
        Directory.CreateDirectory(_dir.File("state"));
        _dir.Write("ballast.yaml", yaml.ToString());
    }

    private async Task<bool> ReadyAsync()
    {
        try
        {
            return (await _api.GetAsync("/health/ready")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, BallastProcess serve, int seconds = 30)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.False(serve.HasExited, "ballast serve exited: " + serve.Stderr);
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(seconds)) throw new TimeoutException(serve.Stderr);
            await Task.Delay(50);
        }
    }

    /// <summary>Every result the API can read is committed: that is what "acknowledged as written" means.</summary>
    private async Task<HashSet<string>> AcknowledgedAsync()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in Enumerable.Range(0, Healthy).Select(i => $"web-{i}").Append("broken"))
        {
            var results = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/monitors/{name}/results?since=2000-01-01T00:00:00Z&limit=100000");
            foreach (var r in results.EnumerateArray()) seen.Add($"{name}@{r.GetProperty("startedAt").GetString()}");
        }
        return seen;
    }

    private async Task<JsonElement> OpenIncidentsAsync() => await _api.GetFromJsonAsync<JsonElement>("/api/v1/incidents?open=true");

    [Fact]
    public async Task Serve_KilledWhileWriting_RestartsWithEveryAcknowledgedResultAndOpenIncident()
    {
        var config = _dir.File("ballast.yaml");
        HashSet<string> acknowledged;
        string incidentId;
        using (var first = BallastProcess.Start(_dir.Path, "serve", "--config", config))
        {
            await WaitAsync(ReadyAsync, first);
            await WaitAsync(async () => (await OpenIncidentsAsync()).GetArrayLength() == 1, first);
            await WaitAsync(async () => (await AcknowledgedAsync()).Count > 500, first);
            incidentId = (await OpenIncidentsAsync())[0].GetProperty("id").GetString()!;
            acknowledged = await AcknowledgedAsync();
            first.KillHard(); // while ~200 checks a second are being written
        }

        using (var db = new SqliteConnection($"Data Source={_dir.File("state/ballast.db")}"))
        {
            await db.OpenAsync();
            await using var check = db.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", await check.ExecuteScalarAsync());
        }

        using var second = BallastProcess.Start(_dir.Path, "serve", "--config", config);
        await WaitAsync(ReadyAsync, second);
        var restartedAt = TimeProvider.System.GetUtcNow();
        var after = await AcknowledgedAsync();

        Assert.Empty(acknowledged.Except(after));
        var open = await OpenIncidentsAsync();
        Assert.Equal(incidentId, Assert.Single(open.EnumerateArray()).GetProperty("id").GetString());
        await WaitAsync(async () =>
        {
            var r = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/monitors/web-0/results?since={Uri.EscapeDataString(restartedAt.ToString("O"))}");
            return r.GetArrayLength() > 3;
        }, second);
        Assert.Equal(incidentId, (await OpenIncidentsAsync())[0].GetProperty("id").GetString());
        await second.TerminateAsync();
    }

    [Fact]
    public async Task Serve_Sigterm_FlushesAndExits0()
    {
        using var serve = BallastProcess.Start(_dir.Path, "serve", "--config", _dir.File("ballast.yaml"));
        await WaitAsync(ReadyAsync, serve);
        await WaitAsync(async () => (await AcknowledgedAsync()).Count > 100, serve);

        await serve.TerminateAsync();

        Assert.Equal(ExitCodes.Ok, serve.ExitCode);
        var written = int.Parse(System.Text.RegularExpressions.Regex.Match(serve.Stdout + serve.Stderr, @"Monitoring stopped; (\d+) results written").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        using var db = new SqliteConnection($"Data Source={_dir.File("state/ballast.db")}");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM check_results";
        Assert.Equal(written, Convert.ToInt32(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await _target.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
