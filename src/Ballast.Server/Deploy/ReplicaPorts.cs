using System.Net;
using System.Net.Sockets;

namespace Ballast.Server.Deploy;

/// <summary>
/// Loopback ports for replicas. A port found free by binding to 0 is free only at that moment, so the runtime
/// remembers every port it handed out until its replica is gone (two replicas never get one), and a replica that
/// exits because something else took its port meanwhile is started again on another (see <see cref="IsTakenByOthers"/>).
/// </summary>
internal sealed class ReplicaPorts
{
    private readonly HashSet<int> _handedOut = [];

    public int Take()
    {
        lock (_handedOut)
        {
            while (true)
            {
                var port = Probe();
                if (_handedOut.Add(port)) return port;
            }
        }
    }

    public void Return(int port)
    {
        lock (_handedOut) _handedOut.Remove(port);
    }

    /// <summary>True when something listens on <paramref name="port"/>: a replica that died there lost it to another program.</summary>
    public static bool IsTakenByOthers(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // Connections of the replica that died linger in TIME_WAIT; only a listener of another program counts.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static int Probe()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
