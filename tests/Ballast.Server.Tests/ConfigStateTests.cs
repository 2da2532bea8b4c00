using Ballast.Core.Config;
using Ballast.Server.Hosting;

namespace Ballast.Server.Tests;

public sealed class ConfigStateTests
{
    private sealed class Recorder(string name, List<string> seen, Func<ConfigState> state) : IConfigChangeListener
    {
        public void OnConfigChanged(BallastConfig updated) =>
            seen.Add($"{name}:{ReferenceEquals(updated, state().Current)}");
    }

    [Fact]
    public void Replace_WithListeners_TellsEachInRegistrationOrderOnceTheNewConfigIsCurrent()
    {
        var seen = new List<string>();
        ConfigState state = null!;
        var resolved = 0;
        IConfigChangeListener[] Listeners()
        {
            resolved++;
            return [new Recorder("alerting", seen, () => state), new Recorder("monitoring", seen, () => state)];
        }
        state = new ConfigState(new BallastConfig(), Listeners);
        Assert.Equal(0, resolved);

        state.Replace(new BallastConfig());
        state.Replace(new BallastConfig());

        Assert.Equal(["alerting:True", "monitoring:True", "alerting:True", "monitoring:True"], seen);
        Assert.Equal(1, resolved);
    }
}
