using System.Net;
using System.Net.Sockets;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>Resolving and connecting, timed, shared by the socket-level probes.</summary>
internal static class Connections
{
    public static async Task<Socket> ConnectAsync(string host, int port, ProbeTimings timings, TimeProvider time, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        timings.Dns = time.GetElapsedTime(start);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        timings.Connect = time.GetElapsedTime(start) - timings.Dns;
        return socket;
    }

    public static string Endpoint(string host, int port) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
}
