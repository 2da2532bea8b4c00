using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ballast.Testing;
using Microsoft.Data.Sqlite;

namespace Ballast.Cli.Tests;

/// <summary>
/// <c>ballast serve</c> as a real process under faults made from outside: it rides out what it can (a loop's storage
/// failing) and exits with a named code only when it cannot go on.
/// </summary>
public sealed class ServeFailureTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TargetWithAlerts _api = null!;

    public async ValueTask InitializeAsync() => _api = await TargetWithAlerts.StartAsync();

    private string WriteConfig(int port, string storage = "sqlite:ballast.db") => _dir.Write("ballast.yaml", $$"""
        server:
          listen: http://127.0.0.1:{{port}}
          storage: {{storage}}
        {{_api.Alerting}}
        monitors:
          - { name: api, type: http, url: "{{_api.Health}}", interval: 200ms, retry_interval: 100ms, failure_threshold: 2 }
        """);

    private static async Task<JsonElement?> ReadyAsync(HttpClient api)
    {
        try
        {
            return await api.GetFromJsonAsync<JsonElement>("/health/ready");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<JsonElement> WaitAsync(BallastProcess serve, Func<Task<JsonElement?>> read, Func<JsonElement, bool> condition, int seconds = 60)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (true)
        {
            Assert.False(serve.HasExited, $"ballast serve exited with {(serve.HasExited ? serve.ExitCode : 0)}: {serve.Stderr}");
            if (await read() is { } answer && condition(answer)) return answer;
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(seconds)) throw new TimeoutException(serve.Stderr);
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }
    }

    private async Task RenameTableAsync(string from, string to)
    {
        await using var db = new SqliteConnection($"Data Source={_dir.File("ballast.db")};Default Timeout=30;Pooling=False");
        await db.OpenAsync();
        await using var rename = db.CreateCommand();
        rename.CommandText = $"ALTER TABLE {from} RENAME TO {to}";
        await rename.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Before: a failing dispatcher died unseen and nothing was sent again; a failing resume of alerting stopped the
    /// whole server, which then exited 0.
    /// </summary>
    [Theory]
    // The dispatcher waits on the failing store call itself (so a sent message is never sent again), the resume step
    // throws and is restarted: both show in /health/ready and in the log.
    [InlineData("notifications", "notification-dispatcher", "The notification store failed under the notification dispatcher")]
    [InlineData("silences", "alerting-resume", "Background loop alerting-resume failed")]
    public async Task Serve_AlertingStorageFails_KeepsServingReportsTheLoopAndDeliversOnceStorageIsBack(string table, string loop, string logged)
    {
        var port = TestTcpServer.ClosedPort();
        var config = WriteConfig(port);
        using var api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        using (var first = BallastProcess.Start(_dir.Path, "serve", "--config", config))
        {
            await WaitAsync(first, () => ReadyAsync(api), r => r.GetProperty("status").GetString() == "pass");
            await first.TerminateAsync();
            Assert.Equal(ExitCodes.Ok, first.ExitCode);
        }
        // Alerting reads both tables as soon as the server starts: take one away from outside.
        await RenameTableAsync(table, table + "_away");

        using var serve = BallastProcess.Start(_dir.Path, "serve", "--config", config);
        var ready = await WaitAsync(serve, () => ReadyAsync(api), r => r.GetProperty("checks").TryGetProperty(loop + ":running", out _));
        Assert.Equal("warn", ready.GetProperty("status").GetString());
        Assert.Contains($"no such table: {table}", ready.GetProperty("checks").GetProperty(loop + ":running")[0].GetProperty("output").GetString());
        Assert.Contains(logged, serve.Stdout + serve.Stderr);
        // Monitoring goes on meanwhile.
        await WaitAsync(serve, async () => await api.GetFromJsonAsync<JsonElement>("/api/v1/monitors"), l => l[0].GetProperty("state").GetString() == "UP");

        await RenameTableAsync(table + "_away", table);
        _api.Status = 503;
        var firing = await _api.Receiver.NextAsync(TimeSpan.FromSeconds(90));
        Assert.Equal("/hooks", firing.Path);
        Assert.False(serve.HasExited, serve.Stderr);
        await WaitAsync(serve, () => ReadyAsync(api), r => r.GetProperty("checks").GetProperty("monitoring:started")[0].GetProperty("status").GetString() == "pass");

        await serve.TerminateAsync();
        Assert.Equal(ExitCodes.Ok, serve.ExitCode);
        Assert.Single(_api.Receiver.Requests);
    }

    [Fact]
    public async Task Serve_ListenAddressTaken_ExitsServerFailedNamingIt()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var serve = await BallastProcess.RunAsync(_dir.Path, "serve", "--config", WriteConfig(port));

        Assert.Equal(ExitCodes.ServerFailed, serve.ExitCode);
        Assert.Contains("ballast serve: could not start: ", serve.Stderr);
        Assert.Contains($"127.0.0.1:{port}", serve.Stderr);
    }

    [Fact]
    public async Task Serve_StorageCannotBeOpened_ExitsStorageFailedNamingIt()
    {
        // A directory where the database file should be: SQLite cannot open it, whoever runs the test.
        Directory.CreateDirectory(_dir.File("state/ballast.db"));

        var serve = await BallastProcess.RunAsync(_dir.Path, "serve", "--config", WriteConfig(TestTcpServer.ClosedPort(), "sqlite:state/ballast.db"));

        Assert.Equal(ExitCodes.StorageFailed, serve.ExitCode);
        Assert.Contains("ballast serve: cannot open storage sqlite:", serve.Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        _dir.Dispose();
    }
}
