using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ballast.Testing;

/// <summary>A TCP listener on 127.0.0.1 that greets each connection and answers lines with a reply of the test's choosing.</summary>
public sealed class TestTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestTcpServer(string? greeting, Func<string, string?>? reply = null)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return; // stopping: the listener closed under the pending accept
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            if (greeting is not null) await stream.WriteAsync(Encoding.UTF8.GetBytes(greeting));
                            if (reply is null) return;
                            using var reader = new StreamReader(stream);
                            var line = await reader.ReadLineAsync();
                            var answer = line is null ? null : reply(line);
                            if (answer is not null) await stream.WriteAsync(Encoding.UTF8.GetBytes(answer));
                            await Task.Delay(50);
                        }
                        catch (IOException)
                        {
                            // the probe hung up first
                        }
                    }
                });
            }
        });
    }

    public int Port { get; }

    /// <summary>
    /// A free loopback port outside the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), for a server
    /// a test stops and starts again on the same port: a released ephemeral port can be handed to any outgoing
    /// connection meanwhile, and then the restart cannot bind it.
    /// </summary>
    public static int StablePort()
    {
        var (low, high) = EphemeralRange();
        // Below the ephemeral range when there is room there, else above it; never the well-known ports.
        var (from, to) = low - 1 >= 10000 ? (10000, low - 1) : (high + 1, 65535);
        if (from > to) throw new InvalidOperationException($"no ports outside the ephemeral range {low}-{high}");
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(from, to + 1);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free loopback port found between {from} and {to} after 200 tries");
    }

    private static (int Low, int High) EphemeralRange()
    {
        const string file = "/proc/sys/net/ipv4/ip_local_port_range";
        var parts = File.Exists(file) ? File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
        return parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high)
            ? (low, high)
            : (32768, 60999); // Linux's default
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false; // taken: try another
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>A port nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
