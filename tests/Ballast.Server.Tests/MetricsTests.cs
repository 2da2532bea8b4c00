using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ballast.Core.Deploy;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// A live <c>/metrics</c> of a real server whose monitors pass and fail against a real target, with an incident open,
/// its notification delivered to a real receiver and a deploy in the history, checked by Prometheus' own promtool.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private TargetWithAlerts _shop = null!;

    public async ValueTask InitializeAsync() => _shop = await TargetWithAlerts.StartAsync(app =>
    {
        app.MapGet("/ok", () => Results.Ok());
        app.MapGet("/broken", () => Results.StatusCode(503));
    });

    private string Monitors => $$"""
          - { name: shop, type: http, url: "{{_shop.Target.Url("/ok")}}", interval: 200ms, tags: [prod, web] }
          - { name: billing, type: http, url: "{{_shop.Target.Url("/broken")}}", interval: 200ms, retry_interval: 100ms, failure_threshold: 1, severity: critical }
        """;

    [Fact]
    public async Task Metrics_LiveServer_PassesPromtoolAndReportsWhatHappened()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, _shop.Alerting);
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        Assert.Equal("/hooks", (await _shop.Receiver.NextAsync(TimeSpan.FromSeconds(30))).Path);
        await server.EventuallyAsync("/api/v1/notifications?status=delivered", l => l.GetArrayLength() == 1);
        await server.EventuallyAsync("/api/v1/monitors", l => l.EnumerateArray().Any(m => m.GetProperty("state").GetString() == "UP"));
        var now = TimeProvider.System.GetUtcNow();
        await server.Services.GetRequiredService<IDeployStore>().AddAsync(new DeployRecord
        {
            Service = "api", Release = "r1", StartedAt = now, FinishedAt = now, Who = "ci", Outcome = DeployOutcome.Deployed,
        }, CancellationToken.None);
        using var prometheus = server.NewClient(await server.CreateTokenAsync("prometheus", Role.Viewer));

        var text = await prometheus.GetStringAsync("/metrics");
        var (exit, output) = await PromtoolAsync(text);
        Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics exited {exit}: {output}");

        var first = Parse(text);
        Assert.Equal(1, first["ballast_monitor_up{monitor=\"shop\",type=\"http\"}"]);
        Assert.Equal(0, first["ballast_monitor_up{monitor=\"billing\",type=\"http\"}"]);
        Assert.Equal(1, first["ballast_monitor_state{monitor=\"billing\",state=\"DOWN\"}"]);
        Assert.Equal(0, first["ballast_monitor_state{monitor=\"billing\",state=\"UP\"}"]);
        Assert.Equal(1, first["ballast_monitor_info{monitor=\"shop\",type=\"http\",tags=\",prod,web,\"}"]);
        Assert.True(first["ballast_monitor_last_latency_seconds{monitor=\"shop\"}"] > 0);
        Assert.Equal(1, first["ballast_incidents_open"]);
        Assert.Equal(2, first["ballast_monitors"]);
        Assert.Equal(1, first["ballast_notifications{channel=\"hooks\",status=\"delivered\"}"]);
        Assert.Equal(1, first["ballast_deploys{service=\"api\",kind=\"deploy\",outcome=\"deployed\"}"]);
        Assert.Equal(0, first["ballast_storage_failing"]);
        Assert.True(first["ballast_storage_written_total"] > 0);
        Assert.Equal(0, first["ballast_loops_failing"]);
        Assert.True(first["ballast_checks_total{monitor=\"billing\",result=\"fail\"}"] >= 1);
        Assert.False(first.ContainsKey("ballast_checks_total{monitor=\"billing\",result=\"pass\"}") &&
                     first["ballast_checks_total{monitor=\"billing\",result=\"pass\"}"] > 0, "a check of the broken target passed");
        Assert.True(first["ballast_check_duration_seconds_count{type=\"http\"}"] >= 2);
        Assert.True(first.ContainsKey("process_cpu_seconds_total"));

        // Counted as they happen: the next scrape sees the checks run in between.
        var passed = first["ballast_checks_total{monitor=\"shop\",result=\"pass\"}"];
        var deadline = Stopwatch.StartNew();
        double later;
        do later = Parse(await prometheus.GetStringAsync("/metrics"))["ballast_checks_total{monitor=\"shop\",result=\"pass\"}"];
        while (later <= passed && deadline.Elapsed < TimeSpan.FromSeconds(10));
        Assert.True(later > passed, $"ballast_checks_total stayed at {passed}");
    }

    [Fact]
    public async Task Metrics_WithoutCredentials_Unauthorized()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        using var answer = await server.Stranger.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.DoesNotContain("ballast_", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_MonitorRemovedByReload_ItsSeriesGo()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        await server.EventuallyAsync("/api/v1/monitors", l => l.EnumerateArray().All(m => m.GetProperty("lastCheckAt").ValueKind != System.Text.Json.JsonValueKind.Null));
        Assert.Contains("monitor=\"billing\"", await server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);

        server.WriteConfig($$"""
              - { name: shop, type: http, url: "{{_shop.Target.Url("/ok")}}", interval: 200ms, tags: [prod] }
            """);
        // The engine takes the new monitors before the reload's record is written: wait for both.
        var state = server.Services.GetRequiredService<ConfigState>();
        await server.EventuallyAsync("/api/v1/monitors", l => l.GetArrayLength() == 1 && state.LastReload is not null);
        Assert.Equal((true, 0), state.LastReload is { } r ? (r.Applied, r.Errors) : default);

        var text = await server.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("monitor=\"billing\"", text, StringComparison.Ordinal);
        var values = Parse(text);
        Assert.Equal(1, values["ballast_monitor_info{monitor=\"shop\",type=\"http\",tags=\",prod,\"}"]);
        Assert.False(values.ContainsKey("ballast_monitor_info{monitor=\"shop\",type=\"http\",tags=\",prod,web,\"}"));
        Assert.Equal(1, values["ballast_monitors"]);
    }

    [Fact]
    public async Task Metrics_ProcessServiceReplicaKilled_ItsReplicasMonitorHasUpAndStateSeries_AndPassesPromtool()
    {
        var port = TestTcpServer.ClosedPort();
        await using var server = await ServerHarness.StartAsync(Monitors, sections: $$"""
            services:
              api:
                provider: process
                process:
                  command: /usr/bin/python3
                  args: [server.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{port}}'
                  health_path: /health
                  startup_timeout: 60s
            """);
        var artifact = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(server.ConfigPath)!, "artifact")).FullName;
        File.WriteAllText(Path.Combine(artifact, "server.py"), PythonRelease.Script("""
            def answer(path):
                return b"ok"
            """));
        var runtime = server.Services.GetRequiredService<Deploy.ProcessRuntime>();
        ReleaseFiles.Prepare(runtime.ReleasesDirectory("api"), "r1", artifact);
        await runtime.RolloutAsync("api", new RolloutRequest("r1", new Dictionary<string, string>()), CancellationToken.None);
        using var prometheus = server.NewClient(await server.CreateTokenAsync("prometheus", Role.Viewer));
        const string Up = "ballast_monitor_up{monitor=\"api-replicas\",type=\"replicas\"}";
        static string State(string state) => $"ballast_monitor_state{{monitor=\"api-replicas\",state=\"{state}\"}}";

        var before = Parse(await prometheus.GetStringAsync("/metrics"));
        Assert.Equal(1, before["ballast_monitor_info{monitor=\"api-replicas\",type=\"replicas\",tags=\",deploy,api,\"}"]);
        Assert.Equal(0, before[Up]);
        Assert.Equal(1, before[State("UNKNOWN")]);
        Assert.Equal(3, before["ballast_monitors"]);

        await SystemCommand.SignalAsync((await runtime.StatusAsync("api")).Replicas.Single().Pid, "KILL");
        // Down from the death until the replacement is ready, a backoff of a second at least.
        var down = await ScrapeUntilAsync(prometheus, m => m.GetValueOrDefault(State("DOWN")) == 1);
        Assert.Equal((0, 0), (down[Up], down[State("UP")]));
        Assert.Equal(2, down["ballast_incidents_open"]);
        var (exit, output) = await PromtoolAsync(down.Text);
        Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics exited {exit}: {output}");

        var back = await ScrapeUntilAsync(prometheus, m => m.GetValueOrDefault(State("UP")) == 1);
        Assert.Equal((1, 0), (back[Up], back[State("DOWN")]));
    }

    private sealed class Scrape(Dictionary<string, double> values, string text) : Dictionary<string, double>(values, StringComparer.Ordinal)
    {
        public string Text { get; } = text;
    }

    private static async Task<Scrape> ScrapeUntilAsync(HttpClient client, Func<Dictionary<string, double>, bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var text = await client.GetStringAsync("/metrics");
            var values = Parse(text);
            if (condition(values)) return new Scrape(values, text);
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the metrics never showed it");
            await Task.Delay(50);
        }
    }

    /// <summary>Each sample line of the text format, by name and labels as written.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            values[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return values;
    }

    private static async Task<(int Exit, string Output)> PromtoolAsync(string metrics)
    {
        var info = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using var process = SystemCommand.Start(info, metrics);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    public async ValueTask DisposeAsync() => await _shop.DisposeAsync();
}
