using System.Text.Json;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Cli.Tests;

public sealed class ProbeCommandTests : IAsyncLifetime
{
    private TestWebServer _web = null!;

    public async ValueTask InitializeAsync() => _web = await TestWebServer.StartAsync(app =>
    {
        app.MapGet("/ready", () => Results.Json(new { status = "pass" }));
        app.MapGet("/broken", () => Results.Json(new { status = "fail" }, statusCode: 503));
    });

    [Fact]
    public async Task Probe_Passing_Exits0WithTimings()
    {
        var run = await BallastProcess.RunAsync(AppContext.BaseDirectory, "probe", _web.Url("/ready").ToString(), "-c", "[STATUS] == 200", "-c", "[BODY].status == pass", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.True(json.GetProperty("passed").GetBoolean());
        Assert.Equal(200, json.GetProperty("status").GetInt32());
        var timings = json.GetProperty("timings");
        foreach (var phase in new[] { "dnsMs", "connectMs", "firstByteMs", "totalMs" })
            Assert.Equal(JsonValueKind.Number, timings.GetProperty(phase).ValueKind);
        Assert.Equal(JsonValueKind.Null, timings.GetProperty("tlsMs").ValueKind);
    }

    [Fact]
    public async Task Probe_AddressLiteral_NoDnsTimeAndPhasesAddUpToAtMostTheTotal()
    {
        var run = await BallastProcess.RunAsync(AppContext.BaseDirectory, "probe", _web.Url("/ready").ToString(), "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var timings = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("timings");
        Assert.Equal(0, timings.GetProperty("dnsMs").GetDouble());
        var phases = new[] { "dnsMs", "connectMs", "tlsMs", "firstByteMs" }
            .Sum(p => timings.GetProperty(p).ValueKind == JsonValueKind.Number ? timings.GetProperty(p).GetDouble() : 0);
        Assert.True(phases <= timings.GetProperty("totalMs").GetDouble(), timings.ToString());
    }

    [Fact]
    public async Task Probe_LoopbackTarget_TotalIsTheRequestNotTheProcessStartUp()
    {
        // A fresh process's first request compiles the HTTP stack and the socket path: 125-210 ms measured on a loaded
        // 2-core machine without the warm-up, against 13-37 ms with it (the request itself takes a few ms on loopback).
        // The smallest of three runs drops a run that the load happened to stall, and no load makes compiling cheaper,
        // so 60 ms fails every time without the warm-up and holds with it.
        var totals = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var run = await BallastProcess.RunAsync(AppContext.BaseDirectory, "probe", _web.Url("/ready").ToString(), "--json");
            Assert.Equal(ExitCodes.Ok, run.ExitCode);
            totals.Add(JsonDocument.Parse(run.Stdout).RootElement.GetProperty("timings").GetProperty("totalMs").GetDouble());
        }

        Assert.True(totals.Min() < 60, $"totals of three probes: {string.Join(", ", totals)} ms");
    }

    [Fact]
    public async Task Probe_Failing_Exits1AndSaysWhat()
    {
        var run = await BallastProcess.RunAsync(AppContext.BaseDirectory, "probe", _web.Url("/broken").ToString(), "-c", "[STATUS] == 200", "-c", "[BODY].status == pass");

        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
        Assert.Contains("✗ [STATUS] == 200 failed: got 503", run.Stdout);
        Assert.Contains("✗ [BODY].status == pass failed: got \"fail\"", run.Stdout);
        Assert.Contains("FAIL: [STATUS] == 200 failed: got 503", run.Stdout);
    }

    [Fact]
    public async Task Probe_BadCondition_Exits2WithPosition()
    {
        var run = await BallastProcess.RunAsync(AppContext.BaseDirectory, "probe", _web.Url("/ready").ToString(), "-c", "[STATUS] = 200");

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains("-c \"[STATUS] = 200\": expected an operator", run.Stderr);
        Assert.Contains("(at character 10)", run.Stderr);
    }

    [Fact]
    public async Task Probe_NothingListening_Exits1()
    {
        var run = await BallastProcess.RunAsync(AppContext.BaseDirectory, "probe", $"http://127.0.0.1:{TestTcpServer.ClosedPort()}/", "--json");

        Assert.Equal(ExitCodes.CheckFailed, run.ExitCode);
        Assert.Contains("connection refused", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
    }

    public async ValueTask DisposeAsync() => await _web.DisposeAsync();
}
