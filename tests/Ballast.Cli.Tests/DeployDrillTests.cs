using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// The outage story on the process provider, end to end: `ballast serve` runs SampleApi behind its proxy, `ballast
/// deploy` is run as a user would, and wrk sends requests through the proxy for the whole drill.
/// </summary>
public sealed partial class DeployDrillTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static readonly Dictionary<string, string> Budgets = new() { ["AI_MAX_TOKENS_CHAT"] = "4000", ["AI_MAX_TOKENS_SUMMARY"] = "200" };

    private static string Config(SampleApiService api, int serverPort, Uri? alerts = null) => $$"""
        server: { listen: 'http://127.0.0.1:{{serverPort}}', storage: 'sqlite:ballast.db' }
        {{(alerts is null ? "" : $"channels: {{ ops: {{ type: webhook, url: '{alerts}' }} }}\nalerting: {{ group_wait: 0s, routes: [{{ channels: [ops] }}] }}")}}
        {{api.Yaml()}}
        """;

    private async Task<BallastProcess> DeployAsync(params string[] args) =>
        await BallastProcess.RunAsync(_dir.Path, ["deploy", "api", "--config", "ballast.yaml", .. args]);

    [Fact]
    public async Task Story_ProcessProvider_RefusedThenRolledBackThenDeployed_NoRequestFails()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var serverPort = TestTcpServer.ClosedPort();
        var api = new SampleApiService(database, TestTcpServer.ClosedPort());
        var configPath = _dir.File("ballast.yaml");
        await File.WriteAllTextAsync(configPath, Config(api, serverPort));
        // The server's own environment holds secrets of its own; none may reach the replicas (a SENTRY_DSN that did
        // would change the fingerprint /version reports, and verification would fail).
        using var serve = BallastProcess.Start(_dir.Path, ["serve", "--config", "ballast.yaml"],
            new Dictionary<string, string> { ["SENTRY_DSN"] = "http://0123456789abcdef@127.0.0.1:9/1", ["AI_MAX_TOKENS_CHAT"] = "1" });
        using var http = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { Timeout = TimeSpan.FromSeconds(5) };
        await WaitAsync(async () => (await http.GetAsync($"http://127.0.0.1:{serverPort}/health/live")).IsSuccessStatusCode, serve);

        // Release 162 at scale 2.
        var first = await DeployAsync("--image", "sample-api.162");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));

        await using var load = ChildProcess.Start("wrk", ["-t1", "-c4", "-d300s", new Uri(api.Url, "/v1/ping").ToString()]);

        // 165 with the old environment: refused at the contract step, nothing changed.
        var refused = await DeployAsync("--image", "sample-api.165");
        Assert.True(refused.ExitCode == ExitCodes.DeployRefused, refused.Stderr);
        Assert.Contains("AI_MAX_TOKENS_CHAT is missing; AI_MAX_TOKENS_SUMMARY is missing", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("refused: nothing was changed", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));

        // Again past the contract: the new replicas never become ready, the deploy rolls back by itself.
        var rolledBack = await DeployAsync("--image", "sample-api.165", "--skip-contract");
        Assert.True(rolledBack.ExitCode == ExitCodes.RolledBack, rolledBack.Stderr);
        Assert.Contains("environment:contract: AI_MAX_TOKENS_CHAT is missing", rolledBack.Stderr, StringComparison.Ordinal);
        Assert.Contains("rolled back to sample-api.162, which is serving and verified", rolledBack.Stderr, StringComparison.Ordinal);
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));

        // 165 with the right environment: deployed and verified.
        await File.WriteAllTextAsync(configPath, Config(api with { Env = Budgets }, serverPort));
        var deployed = await DeployAsync("--image", "sample-api.165");
        Assert.True(deployed.ExitCode == 0, deployed.Stderr);
        Assert.Contains("✔ cors https://app.example.com", deployed.Stderr, StringComparison.Ordinal);
        Assert.Equal("sample-api.165", await api.LiveReleaseAsync(http));

        // wrk stops on SIGINT and prints its summary: every request of the drill answered 2xx, at well over 200 a second.
        await SystemCommand.SignalAsync(load.Id, "INT");
        await load.WaitForExitAsync();
        var summary = load.Output;
        Assert.DoesNotContain("Non-2xx", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Socket errors", summary, StringComparison.Ordinal);
        var rate = double.Parse(RequestsPerSecond().Match(summary).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(rate >= 200, summary);

        // The verify verb alone, then a rollback by hand to the release before the live one.
        var verified = await BallastProcess.RunAsync(_dir.Path, "verify", "api", "--config", "ballast.yaml");
        Assert.True(verified.ExitCode == 0, verified.Stderr);
        Assert.Contains("sample-api.165 verified", verified.Stderr, StringComparison.Ordinal);
        var back = await BallastProcess.RunAsync(_dir.Path, "rollback", "api", "--config", "ballast.yaml");
        Assert.True(back.ExitCode == 0, back.Stderr);
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));

        var history = await BallastProcess.RunAsync(_dir.Path, "history", "api", "--json", "--config", "ballast.yaml");
        var outcomes = JsonDocument.Parse(history.Stdout).RootElement.EnumerateArray()
            .Select(r => $"{r.GetProperty("kind").GetString()} {r.GetProperty("release").GetString()} {r.GetProperty("outcome").GetString()}").ToArray();
        Assert.Equal([
            "rollback sample-api.162 Deployed", "deploy sample-api.165 Deployed", "deploy sample-api.165 RolledBack", "deploy sample-api.165 Refused",
            "deploy sample-api.162 Deployed",
        ], outcomes);
        var records = JsonDocument.Parse(history.Stdout).RootElement;
        Assert.Equal(records[1].GetProperty("id").GetInt64(), records[0].GetProperty("rollbackOf").GetInt64());
        var table = await BallastProcess.RunAsync(_dir.Path, "history", "api", "--config", "ballast.yaml");
        Assert.Contains("RolledBack → sample-api.162", table.Stdout, StringComparison.Ordinal);

        await serve.TerminateAsync();
    }

    [Fact]
    public async Task ReplicaThatDies_IsAlerted_RestartedOnItsRelease_AndTheLiveReleaseComesBackWithTheServer()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var serverPort = TestTcpServer.ClosedPort();
        var api = new SampleApiService(database, TestTcpServer.ClosedPort());
        await using var alerts = await TestReceiver.StartAsync();
        await File.WriteAllTextAsync(_dir.File("ballast.yaml"), Config(api, serverPort, alerts.Url("/hook")));
        using var serve = BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
        using var http = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { Timeout = TimeSpan.FromSeconds(5) };
        var status = new Uri($"http://127.0.0.1:{serverPort}/api/v1/services/api");
        await WaitAsync(async () => (await http.GetAsync(status)).IsSuccessStatusCode, serve);
        var deployed = await DeployAsync("--image", "sample-api.162");
        Assert.True(deployed.ExitCode == 0, deployed.Stderr);

        var victim = JsonDocument.Parse(await http.GetStringAsync(status)).RootElement.GetProperty("replicas")[0];
        await SystemCommand.SignalAsync(victim.GetProperty("pid").GetInt32(), "KILL");

        await WaitAsync(async () =>
        {
            var replica = JsonDocument.Parse(await http.GetStringAsync(status)).RootElement.GetProperty("replicas").EnumerateArray()
                .Single(r => r.GetProperty("index").GetInt32() == victim.GetProperty("index").GetInt32());
            return replica.GetProperty("restarts").GetInt32() == 1 && replica.GetProperty("running").GetBoolean()
                   && replica.GetProperty("pid").GetInt32() != victim.GetProperty("pid").GetInt32();
        }, serve);
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));
        var firing = await alerts.NextAsync();
        Assert.Contains("api-replicas", firing.Body, StringComparison.Ordinal);
        Assert.Contains($"replica {victim.GetProperty("index").GetInt32()} of sample-api.162 exited with code 137", firing.Body, StringComparison.Ordinal);
        var resolved = await alerts.NextAsync();
        Assert.Contains("resolved", resolved.Body, StringComparison.OrdinalIgnoreCase);
        await serve.TerminateAsync();
        Assert.Contains($"replica {victim.GetProperty("index").GetInt32()} of sample-api.162 exited with code 137; restarting in 1s", serve.Stdout + serve.Stderr,
            StringComparison.Ordinal);

        // The replicas stop with the server; the next server starts the last verified release again by itself.
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(api.Url, "/version")));
        using var again = BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
        await WaitAsync(async () => (await http.GetAsync(new Uri(api.Url, "/health/ready"))).IsSuccessStatusCode, again);
        Assert.Equal("sample-api.162", await api.LiveReleaseAsync(http));
        await again.TerminateAsync();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, BallastProcess serve)
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(120) && !serve.HasExited, "ballast serve did not start: " + serve.Stderr + serve.Stdout);
        }
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    public void Dispose() => _dir.Dispose();
}
