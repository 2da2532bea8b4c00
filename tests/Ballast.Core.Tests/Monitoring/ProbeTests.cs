using System.Text;
using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>Every monitor type against real local servers: Kestrel over HTTP and HTTPS, a TCP listener, a DNS server.</summary>
public sealed class ProbeTests : IAsyncLifetime
{
    private readonly TestCertificates _certs = new();
    private TestWebServer _web = null!;

    public async ValueTask InitializeAsync()
    {
        _web = await TestWebServer.StartAsync(Map);
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/ok", () => Results.Json(new { status = "pass", items = new[] { 1, 2 } }));
        app.MapGet("/down", () => Results.Json(new { status = "fail" }, statusCode: 503));
        app.MapGet("/cors", (HttpContext c) =>
        {
            c.Response.Headers.AccessControlAllowOrigin = "https://app.example.com";
            return "pong";
        });
        app.MapGet("/slow", async (HttpContext c) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, c.RequestAborted); // never answers
            return "late";
        });
        app.MapGet("/redirect", () => Results.Redirect("/ok"));
        app.MapPost("/echo", async (HttpRequest r) => await new StreamReader(r.Body).ReadToEndAsync() + "|" + r.Headers["X-Token"]);
    }

    private static async Task<(bool Passed, string? Cause, Observation Observation)> Run(IProbe probe, MonitorConfig monitor)
    {
        using var timeout = new CancellationTokenSource(monitor.Timeout);
        var observation = await probe.ProbeAsync(monitor, timeout.Token);
        var (passed, cause) = observation.Judge(monitor);
        return (passed, cause, observation);
    }

    private static HttpMonitorConfig Http(Uri url, params string[] conditions) => new()
    {
        Name = "t",
        Url = url,
        Timeout = TimeSpan.FromSeconds(5),
        Conditions = conditions.Select(Condition.Parse).ToArray(),
    };

    [Fact]
    public async Task Http_HealthyEndpoint_PassesWithTimings()
    {
        using var probe = new HttpProbe(TimeProvider.System);

        var (passed, cause, o) = await Run(probe, Http(_web.Url("/ok"), "[STATUS] == 200", "[BODY].status == pass", "len([BODY].items) == 2",
            "[HEADER].content-type contains json", "[RESPONSE_TIME] < 2000", "[CONNECTED] == true"));

        Assert.True(passed, cause);
        Assert.NotNull(o.Timings.Connect);
        Assert.NotNull(o.Timings.FirstByte);
        Assert.Null(o.Timings.Tls);
        Assert.True(o.Timings.Total >= o.Timings.FirstByte);
    }

    [Fact]
    public async Task Http_NameMovesToAnotherAddress_FollowedOnceTheKeptConnectionExpires()
    {
        await using var first = await TestWebServer.StartAsync(app => app.MapGet("/", () => "first"));
        var port = first.Url("/").Port;
        // 127.0.0.2 is loopback too on Linux: the address the name fails over to, on the same port.
        await using var second = await TestWebServer.StartAsync(app => app.MapGet("/", () => "second"), address: System.Net.IPAddress.Parse("127.0.0.2"), port: port);
        await using var dns = new TestDnsServer().Add("api.ballast.test", "A", "127.0.0.1");
        var lifetime = TimeSpan.FromMilliseconds(300);
        using var probe = new HttpProbe(TimeProvider.System, dns.Resolver(), lifetime);
        var monitor = Http(new Uri($"http://api.ballast.test:{port}/"), "[BODY] == second");

        var connected = TimeProvider.System.GetTimestamp();
        var (_, cause, before) = await Run(probe, monitor);
        Assert.Equal("first", before.Body);
        Assert.Equal("[BODY] == second failed: got \"first\"", cause);

        dns.Add("api.ballast.test", "A", "127.0.0.2");
        // Checks keep coming (as a short interval does, so the connection never idles out); the kept connection to the
        // old address may serve until its lifetime ends, then a new connection asks DNS again.
        var clock = TimeProvider.System.GetTimestamp();
        Observation seen;
        do
        {
            Assert.True(TimeProvider.System.GetElapsedTime(clock) < TimeSpan.FromSeconds(20), "the probe kept checking the old address");
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
            seen = (await Run(probe, monitor)).Observation;
        }
        while (seen.Body != "second");
        Assert.True(TimeProvider.System.GetElapsedTime(connected) >= lifetime, "the first connection was not kept alive: this test proves nothing");
    }

    [Fact]
    public async Task Http_FailingEndpoint_SaysWhatWasSeen()
    {
        using var probe = new HttpProbe(TimeProvider.System);

        var (passed, cause, _) = await Run(probe, Http(_web.Url("/down"), "[STATUS] == 200", "[BODY].status == pass"));

        Assert.False(passed);
        Assert.Equal("[STATUS] == 200 failed: got 503", cause);
    }

    [Fact]
    public async Task Http_DefaultConditions_RequireA2xx()
    {
        using var probe = new HttpProbe(TimeProvider.System);

        var (passed, cause, _) = await Run(probe, Http(_web.Url("/down")));

        Assert.False(passed);
        Assert.Equal("[STATUS] < 300 failed: got 503", cause);
    }

    [Fact]
    public async Task Http_CorsHeader_IsChecked()
    {
        using var probe = new HttpProbe(TimeProvider.System);

        var ok = await Run(probe, Http(_web.Url("/cors"), "[HEADER].access-control-allow-origin == https://app.example.com"));
        var wrong = await Run(probe, Http(_web.Url("/cors"), "[HEADER].access-control-allow-origin == https://evil.example.com"));
        var missing = await Run(probe, Http(_web.Url("/ok"), "[HEADER].access-control-allow-origin == https://app.example.com"));

        Assert.True(ok.Passed, ok.Cause);
        Assert.Equal("[HEADER].access-control-allow-origin == https://evil.example.com failed: got \"https://app.example.com\"", wrong.Cause);
        Assert.Equal("[HEADER].access-control-allow-origin == https://app.example.com failed: header access-control-allow-origin is missing", missing.Cause);
    }

    [Fact]
    public async Task Http_MethodHeadersAndBody_AreSent()
    {
        using var probe = new HttpProbe(TimeProvider.System);
        var monitor = Http(_web.Url("/echo"), "[BODY] == \"hello|abc\"") with
        {
            Method = "POST",
            Body = "hello",
            Headers = new Dictionary<string, string> { ["X-Token"] = "abc" },
        };

        var (passed, cause, _) = await Run(probe, monitor);

        Assert.True(passed, cause);
    }

    [Fact]
    public async Task Http_Redirects_FollowedOrNotAsConfigured()
    {
        using var probe = new HttpProbe(TimeProvider.System);

        var followed = await Run(probe, Http(_web.Url("/redirect"), "[STATUS] == 200"));
        var kept = await Run(probe, Http(_web.Url("/redirect"), "[STATUS] == 302") with { FollowRedirects = false });

        Assert.True(followed.Passed, followed.Cause);
        Assert.True(kept.Passed, kept.Cause);
    }

    [Fact]
    public async Task Http_ConnectionRefused_NamesTheEndpoint()
    {
        using var probe = new HttpProbe(TimeProvider.System);
        var port = TestTcpServer.ClosedPort();

        var (passed, cause, o) = await Run(probe, Http(new Uri($"http://127.0.0.1:{port}/health"), "[STATUS] == 200"));

        Assert.False(passed);
        Assert.Equal($"[STATUS] == 200 failed: no response: connection refused (127.0.0.1:{port})", cause);
        Assert.False(o.Connected);
    }

    [Fact]
    public async Task Http_Timeout_SaysTimedOut()
    {
        using var probe = new HttpProbe(TimeProvider.System);

        var (passed, cause, _) = await Run(probe, Http(_web.Url("/slow"), "[STATUS] == 200") with { Timeout = TimeSpan.FromMilliseconds(300) });

        Assert.False(passed);
        Assert.Equal("[STATUS] == 200 failed: no response: timed out after 300ms waiting for the response", cause);
    }

    [Fact]
    public async Task Http_FreshConnection_MeasuresConnectEveryTime()
    {
        using var probe = new HttpProbe(TimeProvider.System);
        var monitor = Http(_web.Url("/ok")) with { FreshConnection = true };

        var first = await Run(probe, monitor);
        var second = await Run(probe, monitor);
        var pooled = Http(_web.Url("/ok"));
        await Run(probe, pooled);
        var reused = await Run(probe, pooled);

        Assert.NotNull(first.Observation.Timings.Connect);
        Assert.NotNull(second.Observation.Timings.Connect);
        Assert.Null(reused.Observation.Timings.Connect);
    }

    [Fact]
    public async Task Http_FreshConnection_AddressLiteralTakesNoDnsAndPhasesAddUpToAtMostTheTotal()
    {
        await using var secure = await TestWebServer.StartAsync(Map, _certs.Valid("localhost", days: 40));
        await using var dns = new TestDnsServer().Add("api.ballast.test", "A", "127.0.0.1").Add("localhost", "A", "127.0.0.1");
        using var probe = new HttpProbe(TimeProvider.System, dns.Resolver());

        var literal = (await Run(probe, Http(_web.Url("/ok")) with { FreshConnection = true })).Observation.Timings;
        var named = (await Run(probe, Http(new Uri($"http://api.ballast.test:{_web.BaseAddress.Port}/ok")) with { FreshConnection = true })).Observation.Timings;
        var tls = (await Run(probe, Http(new Uri($"https://localhost:{secure.BaseAddress.Port}/ok")) with { FreshConnection = true, CaFile = _certs.CaFile }))
            .Observation.Timings;

        Assert.Equal(TimeSpan.Zero, literal.Dns);
        Assert.True(named.Dns > TimeSpan.Zero);
        Assert.NotNull(tls.Tls);
        foreach (var t in new[] { literal, named, tls })
        {
            var phases = (t.Dns ?? TimeSpan.Zero) + (t.Connect ?? TimeSpan.Zero) + (t.Tls ?? TimeSpan.Zero) + (t.FirstByte ?? TimeSpan.Zero);
            Assert.True(phases <= t.Total, $"dns {t.Dns} + connect {t.Connect} + tls {t.Tls} + first byte {t.FirstByte} > total {t.Total}");
        }
    }

    [Fact]
    public async Task Https_TrustedCertificate_ReportsExpiryAndTls()
    {
        await using var server = await TestWebServer.StartAsync(Map, _certs.Valid("localhost", days: 40));
        using var probe = new HttpProbe(TimeProvider.System);
        var url = new Uri($"https://localhost:{server.BaseAddress.Port}/ok");

        var (passed, cause, o) = await Run(probe, Http(url, "[STATUS] == 200", "[CERT_EXPIRY] > 30d") with { CaFile = _certs.CaFile });
        var soon = await Run(probe, Http(url, "[CERT_EXPIRY] > 60d") with { CaFile = _certs.CaFile });

        Assert.True(passed, cause);
        Assert.NotNull(o.Timings.Tls);
        Assert.StartsWith("[CERT_EXPIRY] > 60d failed: got 39d", soon.Cause);
    }

    [Fact]
    public async Task Https_UntrustedOrExpiredOrWrongName_FailsWithTheReason()
    {
        await using var expired = await TestWebServer.StartAsync(Map, _certs.Expired());
        await using var wrongName = await TestWebServer.StartAsync(Map, _certs.Valid("other.example"));
        using var probe = new HttpProbe(TimeProvider.System);

        var untrusted = await Run(probe, Http(new Uri($"https://localhost:{expired.BaseAddress.Port}/ok")));
        var old = await Run(probe, Http(new Uri($"https://localhost:{expired.BaseAddress.Port}/ok")) with { CaFile = _certs.CaFile });
        var mismatch = await Run(probe, Http(new Uri($"https://localhost:{wrongName.BaseAddress.Port}/ok")) with { CaFile = _certs.CaFile });
        var insecure = await Run(probe, Http(new Uri($"https://localhost:{wrongName.BaseAddress.Port}/ok")) with { TlsVerify = false });

        Assert.Contains("TLS handshake failed: certificate", untrusted.Cause);
        Assert.Contains("TLS handshake failed: certificate expired on", old.Cause);
        Assert.Contains("TLS handshake failed: certificate does not match localhost: it is for other.example", mismatch.Cause);
        Assert.True(insecure.Passed, insecure.Cause);
    }

    [Fact]
    public async Task Tls_ValidCertificate_PassesAndReportsDaysLeft()
    {
        await using var server = await TestWebServer.StartAsync(Map, _certs.Valid("localhost", days: 20));
        var probe = new TlsProbe(TimeProvider.System);
        var monitor = new TlsMonitorConfig { Name = "t", Target = $"localhost:{server.BaseAddress.Port}", CaFile = _certs.CaFile };

        var (passed, cause, o) = await Run(probe, monitor);
        var strict = await Run(probe, monitor with { Conditions = [Condition.Parse("[CERT_EXPIRY] > 30d")] });

        Assert.True(passed, cause); // the default condition: more than 14d left
        Assert.True(o.CertExpiry > TimeSpan.FromDays(19));
        Assert.StartsWith("[CERT_EXPIRY] > 30d failed: got 19d", strict.Cause);
    }

    [Fact]
    public async Task Tls_ExpiredWrongNameOrUntrusted_EachSaysWhy()
    {
        await using var expired = await TestWebServer.StartAsync(Map, _certs.Expired());
        await using var wrongName = await TestWebServer.StartAsync(Map, _certs.Valid("other.example"));
        var probe = new TlsProbe(TimeProvider.System);

        var old = await Run(probe, new TlsMonitorConfig { Name = "t", Target = $"localhost:{expired.BaseAddress.Port}", CaFile = _certs.CaFile });
        var mismatch = await Run(probe, new TlsMonitorConfig { Name = "t", Target = $"localhost:{wrongName.BaseAddress.Port}", CaFile = _certs.CaFile });
        var untrusted = await Run(probe, new TlsMonitorConfig { Name = "t", Target = $"localhost:{wrongName.BaseAddress.Port}", ServerName = "other.example" });
        var unverified = await Run(probe, new TlsMonitorConfig { Name = "t", Target = $"localhost:{wrongName.BaseAddress.Port}", Verify = false });

        Assert.StartsWith("certificate expired on", old.Cause);
        Assert.Equal("certificate does not match localhost: it is for other.example", mismatch.Cause);
        Assert.StartsWith("certificate chain is not trusted", untrusted.Cause);
        Assert.True(unverified.Passed, unverified.Cause);
    }

    [Fact]
    public async Task Tcp_OpenPortWithExpectedGreeting_Passes()
    {
        await using var server = new TestTcpServer("+OK ready\r\n", line => line == "PING" ? "PONG\r\n" : "ERR\r\n");
        var probe = new TcpProbe(TimeProvider.System);

        var connect = await Run(probe, new TcpMonitorConfig { Name = "t", Target = $"127.0.0.1:{server.Port}" });
        var greet = await Run(probe, new TcpMonitorConfig { Name = "t", Target = $"127.0.0.1:{server.Port}", Expect = "+OK" });
        var talk = await Run(probe, new TcpMonitorConfig { Name = "t", Target = $"127.0.0.1:{server.Port}", Send = "PING\r\n", Expect = "PONG" });

        Assert.True(connect.Passed, connect.Cause);
        Assert.True(greet.Passed, greet.Cause);
        Assert.True(talk.Passed, talk.Cause);
    }

    [Fact]
    public async Task Tcp_WrongAnswerOrClosedPort_Fails()
    {
        await using var server = new TestTcpServer("-ERR busy\r\n");
        var probe = new TcpProbe(TimeProvider.System);
        var port = TestTcpServer.ClosedPort();

        var wrong = await Run(probe, new TcpMonitorConfig { Name = "t", Target = $"127.0.0.1:{server.Port}", Expect = "+OK", Timeout = TimeSpan.FromSeconds(1) });
        var closed = await Run(probe, new TcpMonitorConfig { Name = "t", Target = $"127.0.0.1:{port}" });

        Assert.Equal("[BODY] contains \"+OK\" failed: got \"-ERR busy\\r\\n\"".Replace("\\r\\n", "\r\n", StringComparison.Ordinal), wrong.Cause);
        Assert.Equal($"[CONNECTED] == true failed: got false", closed.Cause);
        Assert.Equal($"connection refused (127.0.0.1:{port})", closed.Observation.TransportError);
    }

    [Fact]
    public async Task Dns_SystemResolver_FindsLocalhost()
    {
        var probe = new DnsProbe(TimeProvider.System);

        var ok = await Run(probe, new DnsMonitorConfig { Name = "t", Host = "localhost", Conditions = [Condition.Parse("[DNS].A contains 127.0.0.1")] });
        var none = await Run(probe, new DnsMonitorConfig { Name = "t", Host = "no-such-host.invalid" });

        Assert.True(ok.Passed, ok.Cause);
        Assert.Equal("len([DNS].A) > 0 failed: got 0", none.Cause);
    }

    [Fact]
    public async Task Dns_ExplicitResolver_ReadsEveryRecordType()
    {
        await using var dns = new TestDnsServer()
            .Add("api.test", "A", "192.0.2.5")
            .Add("api.test", "TXT", "v=spf1 -all")
            .Add("api.test", "MX", "10 mail.api.test")
            .Add("www.api.test", "CNAME", "api.test");
        var probe = new DnsProbe(TimeProvider.System);
        DnsMonitorConfig Lookup(string host, DnsRecordType record, string condition) => new()
        {
            Name = "t",
            Host = host,
            Record = record,
            Resolver = $"127.0.0.1:{dns.Port}",
            Timeout = TimeSpan.FromSeconds(3),
            Conditions = [Condition.Parse(condition)],
        };

        var a = await Run(probe, Lookup("api.test", DnsRecordType.A, "[DNS].A contains 192.0.2.5"));
        var txt = await Run(probe, Lookup("api.test", DnsRecordType.Txt, "[DNS].TXT contains \"v=spf1 -all\""));
        var mx = await Run(probe, Lookup("api.test", DnsRecordType.Mx, "[DNS].MX contains \"10 mail.api.test\""));
        var cname = await Run(probe, Lookup("www.api.test", DnsRecordType.Cname, "[DNS].CNAME contains api.test"));
        var wrong = await Run(probe, Lookup("api.test", DnsRecordType.A, "[DNS].A contains 192.0.2.9"));
        var missing = await Run(probe, Lookup("gone.test", DnsRecordType.A, "len([DNS].A) > 0"));

        Assert.True(a.Passed, a.Cause);
        Assert.True(txt.Passed, txt.Cause);
        Assert.True(mx.Passed, mx.Cause);
        Assert.True(cname.Passed, cname.Cause);
        Assert.Equal("[DNS].A contains 192.0.2.9 failed: got [\"192.0.2.5\"]", wrong.Cause);
        Assert.Equal("len([DNS].A) > 0 failed: got 0", missing.Cause);
    }

    public async ValueTask DisposeAsync()
    {
        await _web.DisposeAsync();
        _certs.Dispose();
    }
}
