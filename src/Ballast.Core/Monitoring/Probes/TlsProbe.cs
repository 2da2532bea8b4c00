using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Ballast.Core.Config;

namespace Ballast.Core.Monitoring.Probes;

/// <summary><c>type: tls</c>: a handshake; reports the certificate's time to expiry and, when <c>verify</c>, what is wrong with it.</summary>
public sealed class TlsProbe(TimeProvider time) : Probe<TlsMonitorConfig>
{
    public override string Type => "tls";

    protected override async Task<Observation> ProbeAsync(TlsMonitorConfig monitor, CancellationToken cancellationToken)
    {
        var (host, port) = HostPort.Parse(monitor.Target);
        var endpoint = Connections.Endpoint(host, port);
        var serverName = monitor.ServerName ?? host;
        var timings = new ProbeTimings();
        var start = time.GetTimestamp();
        string? problem = null;
        DateTimeOffset? notAfter = null;
        Socket? socket = null;
        try
        {
            socket = await Connections.ConnectAsync(host, port, timings, time, cancellationToken);
            await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            var tlsStart = time.GetTimestamp();
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
#pragma warning disable CA5359 // the certificate is judged after the handshake, so its problem can be reported in words
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (certificate is X509Certificate2 c) notAfter = new DateTimeOffset(c.NotAfter.ToUniversalTime());
                    problem = CertificateCheck.Problem(certificate, chain, errors, serverName, monitor.CaFile, time.GetUtcNow());
                    return true;
                },
#pragma warning restore CA5359
            }, cancellationToken);
            timings.Tls = time.GetElapsedTime(tlsStart);
            timings.Total = time.GetElapsedTime(start);
            return new Observation
            {
                Connected = true,
                CertExpiry = notAfter - time.GetUtcNow(),
                ResponseTime = timings.Total,
                Timings = timings,
                Failure = monitor.Verify && problem is not null ? problem : null,
            };
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or OperationCanceledException)
        {
            timings.Total = time.GetElapsedTime(start);
            return Observation.NoAnswer(NetworkErrors.Describe(e, endpoint, monitor.Timeout, e is OperationCanceledException, problem),
                timings, timings.Total, connected: socket is not null);
        }
        finally
        {
            socket?.Dispose();
        }
    }
}
