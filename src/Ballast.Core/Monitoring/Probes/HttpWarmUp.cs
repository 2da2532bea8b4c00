using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>
/// The first HTTP request of a process pays for compiling the HTTP stack (80–300 ms) and a one-off check such as
/// <c>ballast probe</c> would report that as the target's response time. This sends one request through the same
/// handler type over an in-memory connection that answers at once: no name is resolved, no socket opened.
/// </summary>
public static class HttpWarmUp
{
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok");

    public static async Task RunAsync(CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectCallback = (_, _) => ValueTask.FromResult<Stream>(new CannedConnection()),
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://warm-up.invalid/");
        request.Headers.UserAgent.ParseAdd("Ballast/1.0");
        using var response = await invoker.SendAsync(request, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await body.CopyToAsync(Stream.Null, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="request"/> once against a loopback listener of its own that answers at once. The in-memory
    /// request above leaves a real connection's code (socket connect, the caller's own handler and timing) to be
    /// compiled during the first request that counts, about half the start-up cost; this covers it.
    /// </summary>
    public static async Task OverLoopbackAsync(Func<Uri, CancellationToken, Task> request, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(5)); // a warm-up must never hold up the request it prepares
        var answering = AnswerOnceAsync(listener, bounded.Token);
        await request(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"), bounded.Token);
        listener.Stop();
        await answering;
    }

    private static async Task AnswerOnceAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            var buffer = new byte[8192];
            var seen = 0;
            // The request's headers end with an empty line; answering earlier could look like a reset to the client.
            while (seen < buffer.Length && !buffer.AsSpan(0, seen).EndsWith("\r\n\r\n"u8))
            {
                var read = await stream.ReadAsync(buffer.AsMemory(seen), cancellationToken);
                if (read == 0) return;
                seen += read;
            }
            await stream.WriteAsync(Answer, cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Only the warm-up is lost: the request that counts is made whatever happened here.
            return;
        }
    }

    /// <summary>A connection whose peer ignores the request and sends <see cref="Answer"/>.</summary>
    private sealed class CannedConnection : Stream
    {
        private readonly MemoryStream _answer = new(Answer, writable: false);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _answer.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(_answer.Read(buffer.Span));
        public override void Write(byte[] buffer, int offset, int count)
        {
            // the request goes nowhere: the answer does not depend on it
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
        public override void Flush()
        {
            // nothing is buffered
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _answer.Dispose();
            base.Dispose(disposing);
        }
    }
}
