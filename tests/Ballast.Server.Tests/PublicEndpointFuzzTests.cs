using Ballast.Testing;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Ballast.Server.Tests;

/// <summary>
/// Everything anyone who reaches the listener can send to the public endpoints, sent over a raw socket so nothing
/// tidies it on the way: random bytes, a 50 MB body, invalid UTF-8, NUL characters, 10,000-deep JSON, broken chunked
/// encoding. Every answer is a 4xx (or Kestrel closes a connection that is not HTTP), and afterwards the server still
/// serves and still stores a valid push.
/// </summary>
public sealed class PublicEndpointFuzzTests
{
    private const string Token = "fuzz-push-t0ken-0001";

    private const string Monitors = $"""
          - {"{"} name: backup, type: heartbeat, period: 1h, token: {Token} {"}"}
        """;

    private static readonly string[] Paths =
    [
        "/api/push/guessed-token-000000", "/api/push/guessed-token-000000/fail", "/api/push/guessed-token-000000/start",
        "/api/push/guessed-token-000000/3", "/api/push/backup", "/health/live", "/health/ready",
    ];

    private static readonly string[] AllPushPaths = [.. Paths, $"/api/push/{Token}", $"/api/push/{Token}/fail"];

    /// <summary>The status of the answer, or null when the server closed the connection without one.</summary>
    /// <param name="endInput">Close the sending side after writing: random bytes may stop inside what could still become a request.</param>
    private static async Task<int?> SendRawAsync(Uri server, Func<Stream, Task> write, bool endInput)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        try
        {
            await write(stream);
            if (endInput) tcp.Client.Shutdown(SocketShutdown.Send);
        }
        catch (IOException)
        {
            // The server may answer and close before all of a large body is sent; the answer is still there to read.
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        var read = 0;
        try
        {
            while (read < 12)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0) break;
                read += n;
            }
        }
        catch (IOException)
        {
            // Reset by the server: a closed connection.
        }
        if (read < 12) return null;
        var line = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 ", line, StringComparison.Ordinal);
        return int.Parse(line.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Func<Stream, Task> Request(string method, string path, byte[] body, string? contentType = "text/plain") => async stream =>
    {
        var head = $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {body.Length}\r\n"
                   + (contentType is null ? "" : $"Content-Type: {contentType}\r\n") + "Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
    };

    private static Func<Stream, Task> Raw(byte[] bytes) => async stream => await stream.WriteAsync(bytes);

    [Fact]
    public async Task PublicEndpoints_Fuzzed_Answer4xxAndTheServerKeepsServingAndStoring()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var address = server.Client.BaseAddress!;
        var random = new Random(20261207);
        byte[] Bytes(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }
        var deepJson = Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000));
        var invalidUtf8 = Enumerable.Repeat(new byte[] { 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, 0xF8 }, 64).SelectMany(b => b).ToArray();
        var nul = Encoding.UTF8.GetBytes("dump\0failed\0\0" + new string('\0', 100));
        var failures = new List<string>();

        async Task Expect(string what, Func<Stream, Task> request, bool closeAllowed, Func<int, bool>? ok = null)
        {
            var status = await SendRawAsync(address, request, endInput: what.StartsWith("random bytes", StringComparison.Ordinal));
            var fine = status is null ? closeAllowed : (ok ?? (s => s is >= 400 and < 500))(status.Value);
            if (!fine) failures.Add($"{what}: {(status is null ? "connection closed" : status.ToString())}");
        }

        // Not HTTP at all, and HTTP with garbage or NUL in the request line.
        for (var i = 0; i < 20; i++) await Expect($"random bytes #{i}", Raw(Bytes(random.Next(1, 4096))), closeAllowed: true);
        await Expect("NUL in the request line", Raw(Encoding.ASCII.GetBytes("POST /api/push/a\0b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")), closeAllowed: true);
        await Expect("invalid UTF-8 in the path", Raw([.. "GET /api/push/"u8, 0xC3, 0x28, 0xFF, .. " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8]), closeAllowed: true);

        foreach (var path in Paths)
        {
            await Expect($"POST {path} random body", Request("POST", path, Bytes(4000), "application/octet-stream"), closeAllowed: false);
            await Expect($"POST {path} invalid UTF-8", Request("POST", path, invalidUtf8), closeAllowed: false);
            await Expect($"POST {path} NUL characters", Request("POST", path + "?msg=%00%00", nul), closeAllowed: false);
            await Expect($"GET {path} NUL in the query", Request("GET", path + "?msg=a%00b%C3%28", []), closeAllowed: false,
                ok: s => s is >= 400 and < 500 || path.StartsWith("/health/", StringComparison.Ordinal) && s is 200 or 503);
        }
        foreach (var path in AllPushPaths)
        {
            await Expect($"POST {path} 10,000-deep JSON", Request("POST", path, deepJson, "application/json"), closeAllowed: false);
            await Expect($"POST {path} 50 MB body", async stream =>
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {50 << 20}\r\n\r\n"));
                var chunk = new byte[1 << 20];
                for (var i = 0; i < 50; i++) await stream.WriteAsync(chunk);
            }, closeAllowed: false);
            await Expect($"POST {path} 50 MB chunked", async stream =>
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
                var chunk = new byte[1 << 20];
                for (var i = 0; i < 50; i++)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("100000\r\n"));
                    await stream.WriteAsync(chunk);
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }, closeAllowed: false);
            await Expect($"POST {path} bad chunked encoding", Raw(Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n")), closeAllowed: true);
            await Expect($"POST {path} chunk longer than said", Raw(Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello world\r\n0\r\n\r\n")), closeAllowed: true);
        }

        Assert.Empty(failures);
        Assert.Equal("UNKNOWN", (await server.GetJsonAsync("/api/v1/monitors"))[0].GetProperty("state").GetString());
        var push = await server.Client.PostAsync($"/api/push/{Token}/fail", new StringContent("after the fuzz"));
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        var results = await server.EventuallyAsync("/api/v1/monitors/backup/results", l => l.GetArrayLength() == 1);
        Assert.Equal("job reported failure: after the fuzz", results[0].GetProperty("cause").GetString());
        var ready = await server.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("pass", JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }
}
