using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary><c>ballast logs ingest</c> and <c>ballast logs tail</c> as real processes against a real <c>ballast serve</c>.</summary>
public sealed class LogsIngestCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private HttpClient _api = null!;
    private string _config = null!;
    private BallastProcess _serve = null!;

    public async ValueTask InitializeAsync()
    {
        var port = TestTcpServer.ClosedPort();
        _api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        _config = _dir.Write("ballast.yaml", $$"""
            server: { listen: "http://127.0.0.1:{{port}}", storage: "sqlite:ballast.db" }
            logs:
              sources:
                - { name: checkout }
              rules:
                - { name: db-errors, type: threshold, source: checkout, match: "ECONNREFUSED", when: "count > 5 in 1m" }
            monitors:
              - { name: backup, type: heartbeat, period: 1h }
            """);
        _serve = BallastProcess.Start(_dir.Path, "serve", "--config", _config);
        var start = TimeProvider.System.GetTimestamp();
        while (await Lines("checkout") is null)
        {
            Assert.False(_serve.HasExited, _serve.Stderr);
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(60)) throw new TimeoutException(_serve.Stdout + _serve.Stderr);
            await Task.Delay(50);
        }
    }

    private async Task<long?> Lines(string source)
    {
        try
        {
            var sources = await _api.GetFromJsonAsync<JsonElement>("/api/v1/logs/sources");
            return sources.EnumerateArray().Where(s => s.GetProperty("name").GetString() == source).Select(s => s.GetProperty("lines").GetInt64()).First();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    [Fact]
    public async Task PipedLines_AreAllCounted_AndTheCommandExitsWhenStdinEnds()
    {
        // More than one batch, with a line longer than the server takes (sent in pieces) and a blank one (skipped).
        var input = new StringBuilder();
        for (var i = 0; i < 2_500; i++) input.Append("line ").Append(i).Append(" of checkout\n");
        input.Append('\n').Append(new string('x', 100_000)).Append('\n');

        var ingest = await BallastProcess.RunAsync(_dir.Path, ["logs", "ingest", "--source", "checkout", "--config", _config], null, input.ToString());

        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        Assert.Contains("2507 lines accepted by checkout", ingest.Stderr);
        Assert.Equal(2_500 + 7, await Lines("checkout"));
    }

    [Fact]
    public async Task UnknownSource_ExitsNotFound_WithTheServersHint()
    {
        var ingest = await BallastProcess.RunAsync(_dir.Path, ["logs", "ingest", "--source", "chekout", "--config", _config], null, "a line\n");

        Assert.Equal(4, ingest.ExitCode);
        Assert.Contains("no log source \"chekout\" takes pushes; did you mean \"checkout\"?", ingest.Stderr);
        Assert.Equal(0, await Lines("checkout"));
    }

    private static async Task Until(Func<bool> condition, BallastProcess process, string what)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.False(process.HasExited, process.Stderr);
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{what}: {process.Stdout}{process.Stderr}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Tail_PrintsIngestedLinesWithTheirRules_UntilStopped()
    {
        using var tail = BallastProcess.Start(_dir.Path, "logs", "tail", "--source", "checkout", "--config", _config);
        await Until(() => tail.Stderr.Contains("following checkout"), tail, "the tail connecting");

        var ingest = await BallastProcess.RunAsync(_dir.Path, ["logs", "ingest", "--source", "checkout", "--config", _config], null,
            "GET / 200\nconnect ECONNREFUSED 192.0.2.7:5432\n");
        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        await Until(() => tail.Stdout.Contains("ECONNREFUSED"), tail, "the lines");

        var printed = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, printed.Length);
        Assert.EndsWith(" checkout GET / 200", printed[0]);
        Assert.EndsWith(" checkout connect ECONNREFUSED 192.0.2.7:5432 [db-errors]", printed[1]);
        Assert.DoesNotContain("\u001b[", tail.Stdout); // not a terminal: no colours
        await tail.SignalAsync();
        Assert.True(await tail.ExitsWithinAsync(TimeSpan.FromSeconds(15)), tail.Stderr);
        Assert.Equal(0, tail.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _serve.TerminateAsync();
        _serve.Dispose();
        _api.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
