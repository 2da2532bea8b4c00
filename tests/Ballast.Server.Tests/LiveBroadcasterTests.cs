using Ballast.Server.Dashboard.Live;

namespace Ballast.Server.Tests;

/// <summary>The broadcaster on a fake clock: its one heartbeat timer, and positions.</summary>
public sealed class LiveBroadcasterTests
{
    [Fact]
    public void Heartbeat_EveryIntervalForEachConnection_NotBefore()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var live = new LiveUpdates(new Hosting.ConfigState(new Core.Config.BallastConfig()), time);
        var (connection, full, position, _) = live.Connect(since: null, "u:olivia");
        Assert.True(full);
        Assert.Equal(live.Epoch + ".0", position);
        var frames = new List<LiveFrame>();

        time.Advance(LiveUpdates.HeartbeatInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal((false, false), connection!.Take(frames));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((false, true), connection.Take(frames));
        Assert.Equal((false, false), connection.Take(frames));

        // A position of this run is resumed from; one it never reached, or of another run, is not.
        Assert.False(live.Connect(live.Epoch + ".0", "u:olivia").Full);
        Assert.True(live.Connect(live.Epoch + ".7", "u:olivia").Full);
        Assert.True(live.Connect("0badc0de.0", "u:olivia").Full);
        Assert.Equal(4, live.Connections);
        live.Disconnect(connection!);
        Assert.Equal(3, live.Connections);
    }
}
