using System.Net;
using System.Net.Sockets;

namespace Ballast.Testing;

/// <summary>
/// A loopback TCP relay in front of a real server, so a test can take the server away from one client (connections
/// cut, new ones refused) without stopping it for everyone else, and bring it back on the same port.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _accepting;

    private TcpRelay(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    public static TcpRelay Start(string host, int port)
    {
        var relay = new TcpRelay(new IPEndPoint(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port), TestTcpServer.ClosedPort());
        relay.Restore();
        return relay;
    }

    /// <summary>Drops every relayed connection and refuses new ones, as a server that went down.</summary>
    public void Cut()
    {
        lock (_lock)
        {
            _accepting?.Cancel();
            _listener?.Stop();
            _listener = null;
            foreach (var c in _open) c.Dispose();
            _open.Clear();
        }
    }

    /// <summary>Accepts connections again.</summary>
    public void Restore()
    {
        lock (_lock)
        {
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _accepting = new CancellationTokenSource();
            _ = AcceptAsync(_listener, _accepting.Token);
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        lock (_lock)
        {
            _open.Add(client);
            _open.Add(upstream);
        }
        try
        {
            await upstream.ConnectAsync(_target);
            using var stop = new CancellationTokenSource();
            var there = client.GetStream().CopyToAsync(upstream.GetStream(), stop.Token);
            var back = upstream.GetStream().CopyToAsync(client.GetStream(), stop.Token);
            await Task.WhenAny(there, back);
            await stop.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The relay was cut or a side hung up: both connections close below, which is what the client should see.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
