using System.Text;
using Ballast.Server.Dashboard.Live;

namespace Ballast.Server.Tests;

/// <summary>One dashboard's queue: coalesced by key, in publish order, bounded.</summary>
public sealed class LiveConnectionTests
{
    private static LiveFrame Frame(long seq) => new(seq, Encoding.ASCII.GetBytes($"id: e.{seq}\n\n"));

    [Fact]
    public async Task Take_KeyChangedTwiceBeforeTheBrowserRead_SendsOnlyItsLatest_InPublishOrder()
    {
        var connection = new LiveConnection("u:test");
        connection.Enqueue("m:api", Frame(1));
        connection.Enqueue("m:db", Frame(2));
        connection.Enqueue("m:api", Frame(3));
        connection.Enqueue("i:x:opened", Frame(4));

        // Something is pending, so the wait completes at once.
        await connection.WaitAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var frames = new List<LiveFrame>();
        Assert.Equal((false, false), connection.Take(frames));
        Assert.Equal([2L, 3, 4], frames.Select(f => f.Seq));

        frames.Clear();
        connection.RequestHeartbeat();
        Assert.Equal((false, true), connection.Take(frames));
        Assert.Empty(frames);
    }

    [Fact]
    public void Enqueue_PastMaxPendingKeys_DropsTheBacklogAndAsksForTheWholeState()
    {
        var connection = new LiveConnection("u:test");
        for (var i = 0; i < LiveConnection.MaxPending; i++) connection.Enqueue("m:" + i, Frame(i + 1));
        connection.Enqueue("m:0", Frame(LiveConnection.MaxPending + 1)); // a key already waiting only replaces its frame
        var frames = new List<LiveFrame>();
        Assert.Equal((false, false), connection.Take(frames));
        Assert.Equal(LiveConnection.MaxPending, frames.Count);

        for (var i = 0; i <= LiveConnection.MaxPending; i++) connection.Enqueue("m:" + i, Frame(i + 1));
        // Dropped while the state is owed: it will be newer than anything that waited.
        connection.Enqueue("m:late", Frame(1_000_000));
        frames.Clear();
        Assert.Equal((true, false), connection.Take(frames));
        Assert.Empty(frames);

        connection.Enqueue("m:after", Frame(1_000_001));
        Assert.Equal((false, false), connection.Take(frames));
        Assert.Equal(1_000_001, Assert.Single(frames).Seq);
    }
}
