using System.Net;
using System.Net.Sockets;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>Resolving and connecting, timed, shared by every probe that opens connections.</summary>
internal static class Connections
{
    /// <summary>Resolves (an address literal takes no lookup: DNS 0) and connects, timing each phase on its own.</summary>
    public static async Task<Socket> ConnectAsync(string host, int port, ProbeTimings timings, TimeProvider time, CancellationToken cancellationToken,
        IHostResolver? resolver = null)
    {
        var start = time.GetTimestamp();
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await (resolver ?? SystemHostResolver.Instance).ResolveAsync(host, cancellationToken);
        timings.Dns = literal is null ? time.GetElapsedTime(start) : TimeSpan.Zero;
        var connecting = time.GetTimestamp();
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
        timings.Connect = time.GetElapsedTime(connecting);
        return socket;
    }

    public static string Endpoint(string host, int port) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
}
