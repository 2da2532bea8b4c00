using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Testing;

/// <summary>
/// A local stand-in for a webhook service (Slack, a generic receiver...): records every request exactly as it arrived
/// and answers with the statuses the test queues (200 "ok" once the queue is empty).
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    /// <param name="Answered">The status this receiver answered with.</param>
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Answered);

    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentQueue<(int Status, string Body)> _answers = new();
    private readonly ConcurrentDictionary<string, int> _byPath = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _arrived = new(0);
    private int _taken;
    private TestWebServer _server = null!;

    public static async Task<TestReceiver> StartAsync()
    {
        var receiver = new TestReceiver();
        receiver._server = await TestWebServer.StartAsync(app => app.Map("/{**path}", receiver.HandleAsync));
        return receiver;
    }

    public Uri Url(string path) => _server.Url(path);

    public IReadOnlyList<Request> Requests => _requests.ToArray();

    /// <summary>The status answered once the queued answers are used up.</summary>
    public int DefaultStatus { get; set; } = 200;

    /// <summary>Requests to <paramref name="path"/> get this status (with no queued answer to take), whatever <see cref="DefaultStatus"/> says.</summary>
    public void AnswerAlways(string path, int status) => _byPath[path] = status;

    /// <summary>The next requests get these answers, in order.</summary>
    public void Answer(int status, string body = "") => _answers.Enqueue((status, body));

    /// <summary>Waits (real time, bounded) for the request after the last one returned here.</summary>
    public async Task<Request> NextAsync(TimeSpan? timeout = null)
    {
        if (!await _arrived.WaitAsync(timeout ?? TimeSpan.FromSeconds(15))) throw new TimeoutException($"no request arrived (had {_requests.Count})");
        return _requests.ToArray()[_taken++];
    }

    private async Task HandleAsync(HttpContext context)
    {
        // Bodies sent gzip-compressed (Content-Encoding: gzip, as Sentry's SDKs do) are kept decompressed.
        using var reader = new StreamReader(context.Request.Headers.ContentEncoding == "gzip"
            ? new System.IO.Compression.GZipStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress)
            : context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var fallback = _byPath.TryGetValue(context.Request.Path.Value ?? "", out var forPath) ? forPath : DefaultStatus;
        var (status, answer) = _answers.TryDequeue(out var queued) ? queued : (fallback, fallback == 200 ? "ok" : "unavailable");
        _requests.Enqueue(new Request(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body, status));
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(answer);
        _arrived.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _arrived.Dispose();
    }
}
