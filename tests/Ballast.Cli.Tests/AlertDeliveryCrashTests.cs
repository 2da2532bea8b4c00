using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Cli.Tests;

/// <summary>Pending notifications survive <c>kill -9</c> of <c>ballast serve</c> and are delivered once after the restart.</summary>
public sealed class AlertDeliveryCrashTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestWebServer _target = null!;
    private TestReceiver _receiver = null!;
    private HttpClient _api = null!;
    private string _config = null!;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.StatusCode(503)));
        _receiver = await TestReceiver.StartAsync();
        var port = TestTcpServer.ClosedPort();
        _api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        _config = _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{port}}", storage: "sqlite:ballast.db" }
            channels:
              hooks: { type: webhook, url: "{{_receiver.Url("/hook")}}" }
            alerting: { group_wait: 0s, routes: [ { channels: [hooks] } ] }
            monitors:
              - { name: api, type: http, url: "{{_target.Url("/health")}}", interval: 200ms, retry_interval: 100ms, failure_threshold: 2 }
            """);
    }

    private async Task<JsonElement> Notifications(string status)
    {
        try
        {
            return await _api.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?status={status}");
        }
        catch (HttpRequestException)
        {
            return JsonDocument.Parse("[]").RootElement;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, BallastProcess serve, int seconds = 30)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.False(serve.HasExited, serve.Stderr);
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(seconds)) throw new TimeoutException(serve.Stdout + serve.Stderr);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task KilledWithAPendingAlert_DeliversItOnceAfterRestart()
    {
        _receiver.DefaultStatus = 503;
        string id;
        using (var first = BallastProcess.Start(_dir.Path, "serve", "--config", _config))
        {
            await Until(async () => (await Notifications("pending")).EnumerateArray().Any(n => n.GetProperty("attempts").GetInt32() >= 1), first);
            id = (await Notifications("pending"))[0].GetProperty("id").GetString()!;
            first.KillHard();
        }
        Assert.All(_receiver.Requests, r => Assert.Equal(503, r.Answered));

        _receiver.DefaultStatus = 200;
        using var second = BallastProcess.Start(_dir.Path, "serve", "--config", _config);
        await Until(async () => (await Notifications("delivered")).EnumerateArray().Any(n => n.GetProperty("id").GetString() == id), second);
        await Task.Delay(TimeSpan.FromSeconds(1)); // time for any duplicate to show

        var accepted = _receiver.Requests.Where(r => r.Answered == 200 && JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString() == id);
        Assert.Single(accepted);
        Assert.Single((await Notifications("delivered")).EnumerateArray(), n => n.GetProperty("kind").GetString() == "firing");
        await second.TerminateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await _receiver.DisposeAsync();
        await _target.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
