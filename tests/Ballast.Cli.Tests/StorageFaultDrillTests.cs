using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Cli.Tests;

/// <summary>
/// Fault drills: <c>ballast serve</c> as a real process with 200 monitors on a local target and one failing monitor
/// alerting by email (aiosmtpd), while its storage fails for real for 60 s: PostgreSQL stopped, a SQLite file made
/// immutable (refused even to root), a file system filled up. Monitoring, the API and (in the PostgreSQL drill) a
/// process service behind the proxy keep serving, /health/ready says why storage fails, every result and the
/// notification are written once storage is back, and exactly one email goes out for the incident.
/// </summary>
public sealed partial class StorageFaultDrillTests : IAsyncLifetime
{
    private const int Monitors = 200;
    private readonly TempDirectory _dir = new();
    private TestWebServer _target = null!;
    private TestSmtpServer _smtp = null!;
    private HttpClient _api = null!;
    private int _port;
    private volatile int _payStatus = 200;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app =>
        {
            app.MapGet("/ok/{i}", (int i) => Results.Ok());
            app.MapGet("/pay", () => Results.StatusCode(_payStatus));
        });
        _smtp = await TestSmtpServer.StartAsync(_dir.File("maildir"));
        _port = TestTcpServer.ClosedPort();
        _api = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    private string Config(string storage, Service? service)
    {
        var yaml = new StringBuilder(service is null ? "" : $$"""
            services:
              api:
                provider: process
                process:
                  command: dotnet
                  args: [SampleApi.dll]
                  artifact: '{{Path.GetDirectoryName(SampleApiProcess.Assembly)}}'
                  listen: 'http://127.0.0.1:{{service.Port}}'
                  startup_timeout: 40s
                env:
                  DATABASE_URL: '{{service.Database}}'
                  REDIS_URL: 'redis://{{TestRedisServer.Shared()}}'
                  CORS_ORIGINS: https://app.example.com
                  AI_MAX_TOKENS_CHAT: '4000'
                  AI_MAX_TOKENS_SUMMARY: '200'
                verify: { timeout: 40s, interval: 250ms }

            """);
        yaml.Append($$"""
            server: { listen: "http://127.0.0.1:{{_port}}", storage: "{{storage}}" }
            channels:
              oncall: { type: email, smtp: { host: 127.0.0.1, port: {{_smtp.Port}}, tls: none }, from: ballast@example.com, to: [oncall@example.com] }
            alerting: { group_wait: 0s, repeat_every: 0s, routes: [ { channels: [oncall] } ] }
            monitors:
              - { name: pay, type: http, url: "{{_target.Url("/pay")}}", interval: 1s, retry_interval: 500ms, failure_threshold: 2 }

            """);
        for (var i = 0; i < Monitors; i++) yaml.AppendLine($"  - {{ name: api-{i:000}, type: http, url: \"{_target.Url($"/ok/{i}")}\", interval: 2s }}");
        return _dir.Write("ballast.yaml", yaml.ToString());
    }

    /// <summary>A process service (SampleApi) behind the server's proxy, with a database of its own that stays up.</summary>
    private sealed record Service(int Port, Uri Database);

    [Fact]
    public async Task PostgresStoppedFor60s_NothingLost_OneEmail_TheProxyKeepsServing()
    {
        await using var postgres = await TestPostgresCluster.StartAsync();
        var service = new Service(TestTcpServer.ClosedPort(), await TestPostgres.CreateDatabaseAsync());
        await DrillAsync(postgres.Url.ToString(), postgres.StopServerAsync, postgres.StartServerAsync, TimeSpan.FromSeconds(60),
            // Stopped with -m fast, open sessions are told why; new connections are refused until it is back.
            @"(?i)connection refused|terminating connection due to administrator command|the database system is shutting down", service);
    }

    [Fact]
    public async Task SqliteFileMadeReadOnly_NothingLost_OneEmail()
    {
        // chattr +i: refused even to root, for writers that already have the file open (chmod stops neither). The -shm
        // index stays writable: SQLite maps it into memory, and a mapping that cannot grow ends the process with SIGBUS.
        string[] Files() => [_dir.File("ballast.db"), _dir.File("ballast.db-wal")];
        await DrillAsync("sqlite:ballast.db",
            async () => { foreach (var f in Files()) await SystemCommand.RunAsync("chattr", "+i", f); },
            async () => { foreach (var f in Files()) await SystemCommand.RunAsync("chattr", "-i", f); },
            // SQLite says "readonly" for a file it opened read-only; a write refused to a file it holds open (EPERM) it
            // reports as an I/O error, which is what an operator's chattr or a remount under a running server gives.
            TimeSpan.FromSeconds(60), @"(?i)read-?only|disk I/O error");
    }

    [Fact]
    public async Task DiskFull_NothingLost_OneEmail()
    {
        var disk = Directory.CreateDirectory(_dir.File("disk")).FullName;
        await SystemCommand.RunAsync("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", disk);
        try
        {
            var filler = Path.Combine(disk, "filler");
            await DrillAsync("sqlite:disk/ballast.db",
                async () => await FillAsync(filler),
                () =>
                {
                    File.Delete(filler);
                    return Task.CompletedTask;
                },
                TimeSpan.FromSeconds(60), @"(?i)\bfull\b");
        }
        finally
        {
            await SystemCommand.RunAsync("umount", "-l", disk);
        }
    }

    /// <param name="cause">What the failure itself must say, matched against the failure alone: the storage's
    /// description (file name, host and port) that follows it in parentheses is always there and proves nothing.</param>
    private async Task DrillAsync(string storage, Func<Task> breakStorage, Func<Task> repair, TimeSpan outage, string cause, Service? service = null)
    {
        using var serve = BallastProcess.Start(_dir.Path, "serve", "--config", Config(storage, service));
        await Until(async () => (await Ready()).Status == HttpStatusCode.OK, serve, 90);
        await Until(async () => Completed(await Stats()) >= Monitors + 1, serve, 60);
        var ping = service is null ? null : new Uri($"http://127.0.0.1:{service.Port}/v1/ping");
        if (ping is not null)
        {
            var deployed = await BallastProcess.RunAsync(_dir.Path, "deploy", "api", "--config", "ballast.yaml", "--image", "sample-api.1");
            Assert.True(deployed.ExitCode == 0, deployed.Stderr);
            Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync(ping)).StatusCode);
        }

        await breakStorage();
        var brokeAt = TimeProvider.System.GetUtcNow();
        _payStatus = 503;
        string? output = null;
        Match? failure = null;
        try
        {
            await Until(async () =>
            {
                var (status, body) = await Ready();
                output = status == HttpStatusCode.ServiceUnavailable ? body.GetProperty("checks").GetProperty("storage:writes")[0].GetProperty("output").GetString() : null;
                failure = output is null ? null : FailingOutput().Match(output);
                return failure is { Success: true } && Regex.IsMatch(failure.Groups["failure"].Value, cause);
            }, serve, 60);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"/health/ready never gave the cause /{cause}/ for storage:writes; last output: {output ?? "(none)"}");
        }
        var completedAtBreak = Completed(await Stats());
        // The monitor list comes from the engine, so it shows the failure as it happens, storage or not.
        await Until(async () => (await _api.GetFromJsonAsync<JsonElement>("/api/v1/monitors")).EnumerateArray()
            .Any(m => m.GetProperty("name").GetString() == "pay" && m.GetProperty("state").GetString() == "DOWN"), serve, 30);
        // The outage lasts its full time; meanwhile monitoring goes on and the API answers.
        while (TimeProvider.System.GetUtcNow() - brokeAt < outage)
        {
            Assert.False(serve.HasExited, $"ballast serve exited {(serve.HasExited ? serve.ExitCode : 0)}: {serve.Stdout}{serve.Stderr}");
            Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/health/live")).StatusCode);
            if (ping is not null) Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync(ping)).StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var completedAtRepair = Completed(await Stats());
        Assert.True(completedAtRepair - completedAtBreak >= Monitors, $"monitoring stalled: {completedAtBreak} → {completedAtRepair} checks");
        Assert.Empty(_smtp.Messages); // stored before sent: nothing goes out while the store is away

        await repair();
        await Until(async () => (await Ready()).Status == HttpStatusCode.OK && (await Stats()).GetProperty("writer").GetProperty("pending").GetInt64() == 0, serve, 120);
        await Until(() => Task.FromResult(_smtp.Messages.Count >= 1), serve, 60);
        await Task.Delay(TimeSpan.FromSeconds(2)); // time for a duplicate to show

        Assert.Single(_smtp.Messages);
        var writer = (await Stats()).GetProperty("writer");
        Assert.Equal(0, writer.GetProperty("setAside").GetInt64());
        Assert.True(writer.GetProperty("written").GetInt64() >= completedAtRepair, writer.ToString());
        var since = Uri.EscapeDataString(brokeAt.ToString("O"));
        var pay = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/monitors/pay/results?since={since}");
        Assert.True(pay.GetArrayLength() >= outage.TotalSeconds / 2, $"{pay.GetArrayLength()} results of pay since the outage began");
        var other = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/monitors/api-123/results?since={since}");
        Assert.True(other.GetArrayLength() >= outage.TotalSeconds / 4, $"{other.GetArrayLength()} results of api-123 since the outage began");
        Assert.Single((await _api.GetFromJsonAsync<JsonElement>("/api/v1/incidents?monitor=pay")).EnumerateArray());
        var delivered = await _api.GetFromJsonAsync<JsonElement>("/api/v1/notifications?status=delivered");
        Assert.Single(delivered.EnumerateArray(), n => n.GetProperty("kind").GetString() == "firing");
        await serve.TerminateAsync();
    }

    [GeneratedRegex(@"^failing for \d+s: (?<failure>.+) \((?<where>[^()]+)\); \d+ writes waiting$")]
    private static partial Regex FailingOutput();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Ready()
    {
        try
        {
            using var response = await _api.GetAsync("/health/ready");
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        catch (HttpRequestException)
        {
            return (0, default);
        }
    }

    private async Task<JsonElement> Stats() => await _api.GetFromJsonAsync<JsonElement>("/api/v1/stats");

    private static long Completed(JsonElement stats) => stats.GetProperty("scheduler").GetProperty("completed").GetInt64();

    private static async Task Until(Func<Task<bool>> condition, BallastProcess serve, int seconds)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.False(serve.HasExited, $"ballast serve exited {(serve.HasExited ? serve.ExitCode : 0)}: {serve.Stdout}{serve.Stderr}");
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(seconds)) throw new TimeoutException(serve.Stdout + serve.Stderr);
            await Task.Delay(100);
        }
    }

    /// <summary>Writes until the file system says it is full.</summary>
    private static async Task FillAsync(string path)
    {
        // Unbuffered, so nothing is left to flush (and fail) when the file is closed.
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[64 * 1024];
        while (true)
        {
            try
            {
                await file.WriteAsync(block);
                await file.FlushAsync();
            }
            catch (IOException e) when (e.HResult == 28 || e.Message.Contains("space", StringComparison.OrdinalIgnoreCase))
            {
                return; // ENOSPC: full, as wanted
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await _smtp.DisposeAsync();
        await _target.DisposeAsync();
        foreach (var f in Directory.GetFiles(_dir.Path, "ballast.db*")) await SystemCommand.RunAsync("chattr", "-i", f);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
