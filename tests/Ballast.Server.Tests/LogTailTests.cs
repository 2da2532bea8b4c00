using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Ballast.Core.Logs;
using Ballast.Core.Security;
using Ballast.Server.Logs;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary><c>GET /api/v1/logs/tail</c> on a real server: lines pushed reach the stream, filtered by source and rule.</summary>
public sealed class LogTailTests
{
    private const string Monitors = """
          - { name: backup, type: heartbeat, period: 1h }
        """;

    private const string Logs = """
        logs:
          sources:
            - { name: checkout, labels: { team: payments } }
            - { name: other }
          rules:
            - { name: db-errors, type: threshold, source: checkout, match: "ECONNREFUSED", when: "count > 5 in 1m" }
        """;

    private static async Task<(HttpResponseMessage Response, IAsyncEnumerator<SseItem<string>> Events)> OpenAsync(HttpClient client, string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, LogTailEndpoint.Path + query);
        request.Headers.Accept.ParseAdd("text/event-stream");
        // Headers come with the first flush, after the tail is registered: what is pushed from now on is seen.
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return (response, SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator());
    }

    private static async Task<LogTailLine> NextLineAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)), "the stream ended");
        Assert.Equal("line", events.Current.EventType);
        return JsonSerializer.Deserialize(events.Current.Data, LogTailJson.Default.LogTailLine)!;
    }

    private static StringContent Text(string text) => new(text, new MediaTypeHeaderValue("text/plain"));

    [Fact]
    public async Task Tail_WithSourceAndRule_SendsOnlyTheLinesTheRuleMatches_WithLabelsAndMatches()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, Logs);
        var pusher = server.NewClient(await server.CreateTokenAsync("shipper", Role.Responder));
        var viewer = server.NewClient(await server.CreateTokenAsync("watcher", Role.Viewer));
        var (all, allEvents) = await OpenAsync(viewer, "");
        var (ruled, ruledEvents) = await OpenAsync(viewer, "?source=checkout&rule=db-errors");
        using (all)
        using (ruled)
        {
            (await pusher.PostAsync("/api/v1/logs/other", Text("ECONNREFUSED on another source"))).EnsureSuccessStatusCode();
            (await pusher.PostAsync("/api/v1/logs/checkout", Text("GET / 200\nconnect ECONNREFUSED 192.0.2.7:5432"))).EnsureSuccessStatusCode();

            var matched = await NextLineAsync(ruledEvents);
            Assert.Equal(("checkout", "connect ECONNREFUSED 192.0.2.7:5432", "payments"), (matched.Source, matched.Text, matched.Labels["team"]));
            Assert.Equal(["db-errors"], matched.Matches);

            var first = await NextLineAsync(allEvents);
            var second = await NextLineAsync(allEvents);
            var third = await NextLineAsync(allEvents);
            Assert.Equal(["ECONNREFUSED on another source", "GET / 200", "connect ECONNREFUSED 192.0.2.7:5432"], [first.Text, second.Text, third.Text]);
            Assert.Empty(first.Matches); // the rule reads checkout only
            Assert.Empty(second.Matches);
            Assert.Equal(["db-errors"], third.Matches);
        }
        await allEvents.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        await ruledEvents.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Tail_UnknownRule_404WithAHint_AndAnonymousIsRefused()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, Logs);
        var viewer = server.NewClient(await server.CreateTokenAsync("watcher", Role.Viewer));

        var unknown = await viewer.GetAsync(LogTailEndpoint.Path + "?rule=db-eror");
        var stranger = await server.Stranger.GetAsync(LogTailEndpoint.Path);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no log rule \\\"db-eror\\\" in logs.rules; did you mean \\\"db-errors\\\"?", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
    }

    [Fact]
    public async Task SlowTail_KeepsTheFirstThousandLines_AndCountsTheRestAsDropped()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, Logs);
        var tail = server.Services.GetRequiredService<LogTail>();
        var ingest = server.Services.GetRequiredService<ILogIngest>();
        using var subscriber = tail.Subscribe(LogTailFilter.For("other", null));

        var now = TimeProvider.System.GetUtcNow();
        var lines = Enumerable.Range(0, LogTail.QueuedLines + 500).Select(i => new LogLine("other", $"line {i}", now)).ToArray();
        await ingest.IngestAsync(lines, null, CancellationToken.None);

        Assert.Equal(500, subscriber.TakeDropped());
        Assert.Equal(0, subscriber.TakeDropped());
        Assert.Equal(LogTail.QueuedLines, subscriber.Reader.Count);
        Assert.True(subscriber.Reader.TryRead(out var oldest));
        Assert.Equal("line 0", oldest.Text);
    }
}
