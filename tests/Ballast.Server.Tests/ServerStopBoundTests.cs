using Ballast.Core.Config;
using Ballast.Server.Hosting;
using Ballast.Testing;

namespace Ballast.Server.Tests;

/// <summary>How long a requested stop of the server may take, as whoever stops it reads it from the config.</summary>
public sealed class ServerStopBoundTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private BallastConfig Load(string services) =>
        ConfigLoader.Load(_dir.Write("ballast.yaml", "server: { listen: 'http://127.0.0.1:7700', storage: 'sqlite:ballast.db' }\n" + services)).Require();

    private static string Service(string name, int port, string timeouts) =>
        $"  {name}:\n    provider: process\n    process: {{ command: /usr/bin/true, artifact: artifact, listen: 'http://127.0.0.1:{port}', {timeouts} }}\n";

    [Fact]
    public void StopBound_TwoProcessServices_CountsOnlyTheSlowest_WithRequestsStorageAndMargin()
    {
        // Services stop side by side: 45 s + 2 × 45 s for the slow one, not the sum of both.
        var config = Load("services:\n" + Service("api", 7701, "drain_timeout: 45s, stop_timeout: 45s") + Service("worker", 7702, "drain_timeout: 5s, stop_timeout: 10s"));

        Assert.Equal(BallastServer.RequestsStopTimeout + TimeSpan.FromSeconds(45 + 2 * 45) + TimeSpan.FromSeconds(20) + TimeSpan.FromSeconds(15),
            BallastServer.StopBound(config));
    }

    [Fact]
    public void StopBound_NoProcessService_IsRequestsStorageAndMargin()
    {
        Assert.Equal(BallastServer.RequestsStopTimeout + TimeSpan.FromSeconds(20) + TimeSpan.FromSeconds(15), BallastServer.StopBound(Load("")));
    }

    public void Dispose() => _dir.Dispose();
}
