using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Ballast.Server.Dashboard.Live;
using Ballast.Testing;

namespace Ballast.Server.Tests;

public sealed class LiveUpdatesTests
{
    private const string Token = "nightly-live-push-token-01";

    private const string Monitors = $$"""
          - { name: nightly, type: heartbeat, period: 1h, token: {{Token}} }
        """;

    /// <summary>An open event stream, read one event at a time as a browser's EventSource would.</summary>
    private sealed class Stream(HttpResponseMessage response, IAsyncEnumerator<SseItem<string>> events) : IAsyncDisposable
    {
        public HttpResponseMessage Response { get; } = response;

        public static async Task<Stream> OpenAsync(HttpClient client, string? lastEventId = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, LiveEndpoint.Path);
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStreamAsync();
            return new Stream(response, SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator());
        }

        /// <summary>The next event; fails when none comes within 10 s.</summary>
        public async Task<SseItem<string>> NextAsync()
        {
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)), "the stream ended");
            return events.Current;
        }

        /// <summary>Completes when the server ends the stream.</summary>
        public async Task EndAsync()
        {
            try
            {
                while (await events.MoveNextAsync()) { }
            }
            catch (HttpIOException)
            {
                // the server closed the connection rather than ending the chunked body: still an end
            }
        }

        public async ValueTask DisposeAsync()
        {
            Response.Dispose();
            await events.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static LiveMonitorView Monitor(SseItem<string> item)
    {
        Assert.Equal("monitor", item.EventType);
        return JsonSerializer.Deserialize(item.Data, LiveJson.Default.LiveMonitorView)!;
    }

    private static LiveIncidentView Incident(SseItem<string> item)
    {
        Assert.Equal("incident", item.EventType);
        return JsonSerializer.Deserialize(item.Data, LiveJson.Default.LiveIncidentView)!;
    }

    [Fact]
    public async Task Events_HeartbeatFails_SendsStateAndIncident_ReconnectWithLastIdGetsWhatItMissed()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        await using var stream = await Stream.OpenAsync(server.Client);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", stream.Response.Headers.CacheControl?.ToString());

        // A dashboard without a position first gets every monitor's state, then the position it is current at.
        var first = Monitor(await stream.NextAsync());
        Assert.Equal(new LiveMonitorView("nightly", "UNKNOWN", null, null, null), first);
        var sync = await stream.NextAsync();
        Assert.Equal("sync", sync.EventType);
        Assert.True(JsonSerializer.Deserialize(sync.Data, LiveJson.Default.LiveSyncView)!.Full);
        Assert.Matches(@"^[0-9a-f]{8}\.\d+$", sync.EventId);

        Assert.Equal(HttpStatusCode.OK, (await server.Stranger.PostAsync($"/api/push/{Token}/fail", new StringContent("disk full"))).StatusCode);
        var down = await stream.NextAsync();
        var state = Monitor(down);
        Assert.Equal("nightly", state.Name);
        Assert.Equal("DOWN", state.State);
        Assert.Equal(0, state.LatencyMs);
        Assert.NotNull(state.IncidentId);
        Assert.NotNull(state.ChangedAt);
        var opened = Incident(await stream.NextAsync());
        Assert.Equal((state.IncidentId, "nightly", "opened"), (opened.Id, opened.Monitor, opened.Change));

        // The incident reaches storage through the writer's queue, after the stream told of it.
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var ack = await server.Client.PostAsync($"/api/v1/incidents/{opened.Id}/ack", null);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var acknowledged = Incident(await stream.NextAsync());
        Assert.Equal((opened.Id, "acknowledged", "harness-admin"), (acknowledged.Id, acknowledged.Change, acknowledged.By));

        // A browser that lost the stream before the failure reconnects with the last id it saw and gets what it missed, in order.
        await using var resumed = await Stream.OpenAsync(server.Client, lastEventId: sync.EventId);
        Assert.False(JsonSerializer.Deserialize((await resumed.NextAsync()).Data, LiveJson.Default.LiveSyncView)!.Full);
        var replayed = await resumed.NextAsync();
        Assert.Equal((down.EventId, state), (replayed.EventId, Monitor(replayed)));
        Assert.Equal("opened", Incident(await resumed.NextAsync()).Change);
        Assert.Equal("acknowledged", Incident(await resumed.NextAsync()).Change);

        // An id from another run of the server (another epoch) cannot be replayed: the whole state again.
        await using var stale = await Stream.OpenAsync(server.Client, lastEventId: "00000000.1");
        Assert.Equal("DOWN", Monitor(await stale.NextAsync()).State);
        Assert.Equal("sync", (await stale.NextAsync()).EventType);

        Assert.Equal(HttpStatusCode.OK, (await server.Stranger.PostAsync($"/api/push/{Token}", null)).StatusCode);
        var up = Monitor(await stream.NextAsync());
        Assert.Equal(("UP", null), (up.State, up.IncidentId));
        Assert.Equal("resolved", Incident(await stream.NextAsync()).Change);
    }

    [Fact]
    public async Task Events_ReconnectFromBeforeTheIncidentChangesKept_GetsTheWholeStateInstead()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        await using var stream = await Stream.OpenAsync(server.Client);
        Assert.Equal("monitor", (await stream.NextAsync()).EventType);
        var sync = await stream.NextAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Stranger.PostAsync($"/api/push/{Token}/fail", new StringContent("disk full"))).StatusCode);
        Assert.Equal("DOWN", Monitor(await stream.NextAsync()).State);
        var openedEvent = await stream.NextAsync();
        var opened = Incident(openedEvent);
        Assert.Equal("opened", opened.Change);
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);

        // As many incident changes as the server keeps for replays: "opened" is the one that no longer fits.
        for (var i = 0; i < 256; i++)
            Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsync($"/api/v1/incidents/{opened.Id}/ack", null)).StatusCode);

        // A dashboard that last saw the position before the failure cannot be replayed what it missed: every monitor's state.
        await using var behind = await Stream.OpenAsync(server.Client, lastEventId: sync.EventId);
        var state = Monitor(await behind.NextAsync());
        Assert.Equal(("nightly", "DOWN", opened.Id), (state.Name, state.State, state.IncidentId));
        var full = await behind.NextAsync();
        Assert.True(JsonSerializer.Deserialize(full.Data, LiveJson.Default.LiveSyncView)!.Full);

        // One that saw "opened" still gets a replay: the acknowledgements after it, coalesced to the latest.
        await using var caughtUp = await Stream.OpenAsync(server.Client, lastEventId: openedEvent.EventId);
        Assert.False(JsonSerializer.Deserialize((await caughtUp.NextAsync()).Data, LiveJson.Default.LiveSyncView)!.Full);
        Assert.Equal("acknowledged", Incident(await caughtUp.NextAsync()).Change);
    }

    [Fact]
    public async Task Events_PastTheLimits_503WithRetryAfter_PerCallerAndInAll_FreedWhenAStreamEnds()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, serverYaml: "live_updates: { max_connections: 3, max_connections_per_user: 2 }");
        using var viewer = server.NewClient(await server.CreateTokenAsync("wall-display", Ballast.Core.Security.Role.Viewer));
        using var other = server.NewClient(await server.CreateTokenAsync("laptop", Ballast.Core.Security.Role.Viewer));
        var first = await Stream.OpenAsync(server.Client);
        await using var second = await Stream.OpenAsync(server.Client);

        using (var third = await RefusedAsync(server.Client))
            Assert.Contains("max_connections_per_user", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var wall = await Stream.OpenAsync(viewer);
        using (var fourth = await RefusedAsync(other))
        {
            var problem = await fourth.Content.ReadAsStringAsync();
            Assert.Contains("3 live update streams are open", problem, StringComparison.Ordinal);
            Assert.Contains("server.live_updates.max_connections ", problem, StringComparison.Ordinal);
        }

        // A dashboard closed frees its place once the server sees the stream end.
        await first.DisposeAsync();
        var live = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<LiveUpdates>(server.Services);
        var waited = Stopwatch.StartNew();
        while (live.Connections > 2)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), $"{live.Connections} streams still counted");
            await Task.Delay(20);
        }
        await using var laptop = await Stream.OpenAsync(other);
        Assert.Equal("monitor", (await laptop.NextAsync()).EventType);
    }

    private static async Task<HttpResponseMessage> RefusedAsync(HttpClient client)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, LiveEndpoint.Path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var answer = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal(LiveUpdates.RefusedRetryAfter, answer.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        return answer;
    }

    [Fact]
    public async Task Events_WithoutCredentials_401()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var request = new HttpRequestMessage(HttpMethod.Get, LiveEndpoint.Path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var answer = await server.Stranger.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
    }

    [Fact]
    public async Task Events_ServerStops_StreamEndsAtOnce()
    {
        var server = await ServerHarness.StartAsync(Monitors);
        await using var stream = await Stream.OpenAsync(server.Client);
        Assert.Equal("monitor", (await stream.NextAsync()).EventType);
        Assert.Equal("sync", (await stream.NextAsync()).EventType);

        // An open dashboard must not hold the stop for the host's 30 s grace for requests in flight.
        var stopping = Stopwatch.StartNew();
        var ended = stream.EndAsync();
        await server.DisposeAsync();
        await ended.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed}");
    }

    [Fact]
    public async Task Events_StreamOlderThanItsAge_EndsAtAHeartbeat_SoTheCallerIsCheckedAgainOnReconnect()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await ServerHarness.StartAsync(Monitors, time: time);
        await using var stream = await Stream.OpenAsync(server.Client);
        Assert.Equal("monitor", (await stream.NextAsync()).EventType);
        Assert.Equal("sync", (await stream.NextAsync()).EventType);
        var ended = stream.EndAsync();

        time.Advance(LiveUpdates.MaxStreamAge - LiveUpdates.HeartbeatInterval);
        Assert.False(ended.IsCompleted);
        time.Advance(LiveUpdates.HeartbeatInterval);
        await ended.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
