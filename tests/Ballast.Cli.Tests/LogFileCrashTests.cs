using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// A file source across <c>kill -9</c> of a real <c>ballast serve</c> mid-stream, with a rename rotation while it is
/// down: every line written is counted exactly once over both runs (the count moves with the checkpoint).
/// </summary>
public sealed class LogFileCrashTests : IAsyncLifetime
{
    private const int Total = 20_000;
    private readonly TempDirectory _dir = new();
    private HttpClient _api = null!;
    private string _config = null!;

    public ValueTask InitializeAsync()
    {
        var port = TestTcpServer.ClosedPort();
        _api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        Directory.CreateDirectory(_dir.File("logs"));
        _config = _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{port}}", storage: "sqlite:ballast.db" }
            logs:
              sources:
                - { name: api, file: "{{_dir.File("logs")}}/app.log*", poll_interval: 50ms }
            monitors:
              - { name: backup, type: heartbeat, period: 1h }
            """);
        return ValueTask.CompletedTask;
    }

    private async Task<long> Checkpointed()
    {
        try
        {
            var sources = await _api.GetFromJsonAsync<JsonElement>("/api/v1/logs/sources");
            return sources.EnumerateArray().Where(s => s.GetProperty("name").GetString() == "api").Select(s => s.GetProperty("checkpointedLines").GetInt64()).FirstOrDefault();
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, BallastProcess serve, string what, int seconds = 60)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.False(serve.HasExited, serve.Stderr);
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"{what}: {serve.Stdout}{serve.Stderr}");
            await Task.Delay(50);
        }
    }

    private void Write(int from, int to)
    {
        using var log = new StreamWriter(_dir.File("logs/app.log"), append: true);
        for (var i = from; i < to; i++) log.Write($"line {i} of the stream\n");
    }

    [Fact]
    public async Task KilledMidStream_WithRotationWhileDown_EveryLineCountedOnce()
    {
        Write(0, 5_000);
        using (var first = BallastProcess.Start(_dir.Path, "serve", "--config", _config))
        {
            await Until(async () => await Checkpointed() > 0, first, "first checkpoint");
            Write(5_000, 10_000);
            first.KillHard();
        }
        // The application goes on while Ballast is down, and its log is rotated.
        Write(10_000, 12_000);
        File.Move(_dir.File("logs/app.log"), _dir.File("logs/app.log.1"));
        Write(12_000, Total);

        using var second = BallastProcess.Start(_dir.Path, "serve", "--config", _config);
        await Until(async () => await Checkpointed() >= Total, second, "all lines checkpointed");
        Write(Total, Total + 1);
        await Until(async () => await Checkpointed() >= Total + 1, second, "the marker");

        Assert.Equal(Total + 1, await Checkpointed());
        await second.TerminateAsync();
    }

    public ValueTask DisposeAsync()
    {
        _api.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
