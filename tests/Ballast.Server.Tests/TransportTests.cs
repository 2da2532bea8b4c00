using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Ballast.Core.Config;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;

namespace Ballast.Server.Tests;

/// <summary>
/// How the server meets the network: Host headers outside <c>server.allowed_hosts</c> are refused (DNS rebinding),
/// every answer carries the security headers, and an https listen address serves the configured certificate.
/// </summary>
public sealed class TransportTests
{
    private const string Heartbeat = """
          - { name: backup, type: heartbeat, period: 1h, token: b4ckup-push-t0ken-01 }
        """;

    private static readonly string[] SecurityHeaders = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"];

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? host = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (host is not null) request.Headers.Host = host;
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Request_ForeignHostHeader_Is400_ListenHostLocalhostAndPublicHostServed()
    {
        await using var server = await ServerHarness.StartAsync(Heartbeat);
        var port = server.Client.BaseAddress!.Port;

        var foreign = await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", $"attacker.example:{port}");
        var foreignPush = await SendAsync(server.Stranger, HttpMethod.Post, "/api/push/b4ckup-push-t0ken-01", "rebound.attacker.example");
        var listen = await SendAsync(server.Stranger, HttpMethod.Get, "/health/live");
        var localhost = await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", $"localhost:{port}");
        var publicHost = await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", "status.example.com");

        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, foreignPush.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listen.StatusCode);
        Assert.Equal(HttpStatusCode.OK, localhost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publicHost.StatusCode);
        Assert.Equal("UNKNOWN", (await server.GetJsonAsync("/api/v1/monitors"))[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Request_AllowedHostsConfigured_OnlyThoseServed()
    {
        await using var server = await ServerHarness.StartAsync(Heartbeat, serverYaml: "allowed_hosts: [ballast.internal, '*.ops.example.com']");

        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(server.Stranger, HttpMethod.Get, "/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", "ballast.internal:7700")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", "eu.ops.example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", "ops.example.com.attacker.example")).StatusCode);
    }

    [Fact]
    public async Task Answers_OkErrorAndRefused_AllCarryTheSecurityHeaders()
    {
        await using var server = await ServerHarness.StartAsync(Heartbeat);

        HttpResponseMessage[] answers =
        [
            await SendAsync(server.Stranger, HttpMethod.Get, "/health/live"),
            await SendAsync(server.Stranger, HttpMethod.Get, "/api/v1/monitors"),
            await SendAsync(server.Stranger, HttpMethod.Post, "/api/push/not-a-token"),
            await SendAsync(server.Stranger, HttpMethod.Post, "/health/live"),
            await SendAsync(server.Stranger, HttpMethod.Get, "/health/live", "attacker.example"),
        ];

        Assert.Equal([200, 401, 404, 405, 400], answers.Select(a => (int)a.StatusCode));
        foreach (var answer in answers)
        {
            foreach (var name in SecurityHeaders) Assert.True(answer.Headers.Contains(name), $"{name} missing on {answer.RequestMessage!.RequestUri} ({answer.StatusCode})");
            Assert.Contains("frame-ancestors 'none'", answer.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", answer.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
        }
    }

    [Fact]
    public async Task Serve_HttpsListenWithCertificate_ServesTlsWithThatCertificate()
    {
        using var dir = new TempDirectory();
        using var certificates = new TestCertificates();
        var now = TimeProvider.System.GetUtcNow();
        using var issued = certificates.Issue("localhost", now.AddDays(-1), now.AddDays(30));
        var (cert, key) = TestCertificates.WritePem(issued, dir.Path);
        var path = dir.Write("ballast.yaml", $"""
            server:
              listen: https://127.0.0.1:0
              tls: {"{"} certificate: {Path.GetFileName(cert)}, key: {Path.GetFileName(key)} {"}"}
              storage: sqlite:ballast.db
            monitors:
            {Heartbeat}
            """);
        var app = BallastServer.Build(ConfigLoader.Load(path).Require(), configureLogging: _ => { });
        await app.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var address = new Uri(app.Addresses()[0]);
            X509Certificate2? served = null;
            using var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                served = new X509Certificate2(certificate!);
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(certificates.CaPem));
                return (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && chain.Build(served);
            };
            using var client = new HttpClient(handler) { BaseAddress = address };

            var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);
            var push = await client.PostAsync("/api/push/b4ckup-push-t0ken-01", null, TestContext.Current.CancellationToken);

            Assert.Equal("https", address.Scheme);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
            Assert.Equal(issued.Thumbprint, served!.Thumbprint);
            using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{address.Port}") };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/health/live", TestContext.Current.CancellationToken));
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
