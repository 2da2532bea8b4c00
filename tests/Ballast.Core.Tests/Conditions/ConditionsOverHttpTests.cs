using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Monitoring.Probes;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Core.Tests.Conditions;

/// <summary>Every condition form an HTTP monitor can use, judged on a real response from a local HTTPS server.</summary>
public sealed class ConditionsOverHttpTests : IAsyncLifetime
{
    private readonly TestCertificates _certs = new();
    private readonly HttpProbe _probe = new(TimeProvider.System);
    private TestWebServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestWebServer.StartAsync(app => app.MapGet("/health/ready", (HttpContext c) =>
    {
        c.Response.Headers.AccessControlAllowOrigin = "https://app.example.com";
        return Results.Json(new { status = "warn", items = new[] { "db", "redis" }, error = (string?)null, version = new { release = "165" } },
            statusCode: 503, contentType: "application/health+json");
    }), _certs.Valid("localhost", days: 10));

    private async Task<(bool Passed, string? Cause)> Judge(string condition)
    {
        var monitor = new HttpMonitorConfig
        {
            Name = "t",
            Url = new Uri($"https://localhost:{_server.BaseAddress.Port}/health/ready"),
            CaFile = _certs.CaFile,
            Conditions = [Condition.Parse(condition)],
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return (await _probe.ProbeAsync(monitor, timeout.Token)).Judge(monitor);
    }

    [Theory]
    [InlineData("[STATUS] == 503")]
    [InlineData("[STATUS] == any(200, 503)")]
    [InlineData("[STATUS] != 200")]
    [InlineData("[STATUS] >= 500")]
    [InlineData("[BODY] contains \"warn\"")]
    [InlineData("[BODY] matches \"^\\\\{\\\"status\\\":\\\"warn\\\"\"")]
    [InlineData("[BODY].status == warn")]
    [InlineData("[BODY].version.release == 165")]
    [InlineData("[BODY].items[1] == redis")]
    [InlineData("len([BODY].items) > 0")]
    [InlineData("has([BODY].error) == false")]
    [InlineData("has([BODY].version) == true")]
    [InlineData("[RESPONSE_TIME] < 5000")]
    [InlineData("[HEADER].content-type contains json")]
    [InlineData("[HEADER].access-control-allow-origin == https://app.example.com")]
    [InlineData("[CERT_EXPIRY] > 7d")]
    [InlineData("[CONNECTED] == true")]
    public async Task Condition_HoldsOnTheRealResponse(string condition)
    {
        var (passed, cause) = await Judge(condition);

        Assert.True(passed, cause);
    }

    [Theory]
    [InlineData("[STATUS] == 200", "[STATUS] == 200 failed: got 503")]
    [InlineData("[STATUS] == any(200, 204)", "[STATUS] == any(200, 204) failed: got 503")]
    [InlineData("[STATUS] < 500", "[STATUS] < 500 failed: got 503")]
    [InlineData("[BODY] contains \"ok\"", "[BODY] contains \"ok\" failed: got \"{\"status\":\"warn\"")]
    [InlineData("[BODY] matches \"^ok\"", "[BODY] matches \"^ok\" failed: got \"{\"status\"")]
    [InlineData("[BODY].status == pass", "[BODY].status == pass failed: got \"warn\"")]
    [InlineData("[BODY].checks.db == up", "[BODY].checks.db == up failed: [BODY].checks is missing")]
    [InlineData("len([BODY].items) > 5", "len([BODY].items) > 5 failed: got 2")]
    [InlineData("has([BODY].status) == false", "has([BODY].status) == false failed: got true")]
    [InlineData("[RESPONSE_TIME] < 0", "[RESPONSE_TIME] < 0 failed: got ")]
    [InlineData("[HEADER].content-type contains xml", "[HEADER].content-type contains xml failed: got \"application/health+json")]
    [InlineData("[HEADER].access-control-allow-origin == https://evil.example.com", "[HEADER].access-control-allow-origin == https://evil.example.com failed: got \"https://app.example.com\"")]
    [InlineData("[CERT_EXPIRY] > 14d", "[CERT_EXPIRY] > 14d failed: got 9d")]
    [InlineData("[CONNECTED] == false", "[CONNECTED] == false failed: got true")]
    public async Task Condition_FailsWithWhatWasSeen(string condition, string expectedStart)
    {
        var (passed, cause) = await Judge(condition);

        Assert.False(passed);
        Assert.StartsWith(expectedStart, cause);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _probe.Dispose();
        _certs.Dispose();
    }
}
