using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Monitoring;

/// <summary>How certificates are judged through real TLS handshakes with Kestrel: at Ballast's clock, against a ca_file that may change.</summary>
public sealed class CertificateCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static void Map(WebApplication app) => app.MapGet("/ok", () => Results.Text("ok"));

    private static async Task<Observation> Probe(TimeProvider time, int port, string caFile)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var monitor = new TlsMonitorConfig { Name = "t", Target = $"localhost:{port}", CaFile = caFile, Timeout = TimeSpan.FromSeconds(30) };
        return await new TlsProbe(time).ProbeAsync(monitor, timeout.Token);
    }

    [Fact]
    public async Task Problem_ClockYearsAway_JudgesChainAndDatesAtBallastsClock()
    {
        // Certificates valid only around 2031: the machine's clock would call them not yet valid.
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 6, 1, 12, 0, 0, TimeSpan.Zero));
        using var certs = new TestCertificates(time);
        await using var server = await TestWebServer.StartAsync(Map, certs.Valid("localhost", days: 20));

        var observation = await Probe(time, server.BaseAddress.Port, certs.CaFile);

        Assert.Null(observation.Failure);
        Assert.InRange(observation.CertExpiry!.Value, TimeSpan.FromDays(20) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(20));
    }

    [Fact]
    public async Task Problem_CaFileRotated_TrustsTheNewCaWithoutRestart()
    {
        using var oldCa = new TestCertificates();
        using var newCa = new TestCertificates();
        var caFile = _dir.File("ca.pem");
        await File.WriteAllTextAsync(caFile, oldCa.CaPem, TestContext.Current.CancellationToken);
        await using var server = await TestWebServer.StartAsync(Map, newCa.Valid("localhost"));

        var before = await Probe(TimeProvider.System, server.BaseAddress.Port, caFile);
        // A rotation as deployment tools do it: the new file is written aside and renamed over the old one.
        var staged = _dir.File("ca.pem.new");
        await File.WriteAllTextAsync(staged, newCa.CaPem, TestContext.Current.CancellationToken);
        File.Move(staged, caFile, overwrite: true);
        var after = await Probe(TimeProvider.System, server.BaseAddress.Port, caFile);

        Assert.StartsWith("certificate chain is not trusted", before.Failure);
        Assert.Null(after.Failure);
    }

    public void Dispose() => _dir.Dispose();
}
