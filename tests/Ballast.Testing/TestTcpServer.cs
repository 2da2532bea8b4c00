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
