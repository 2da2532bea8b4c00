using Xunit;
namespace Ballast.Testing;

/// <summary>
/// A Redis server of the test's own (Debian's redis-server, persistence off) on a fixed loopback port, so it can be
/// stopped and started again for outage tests. Tests that only need a Redis use BALLAST_TEST_REDIS instead.
/// </summary>
public sealed class TestRedisServer : IAsyncDisposable
{
    public const string Variable = "BALLAST_TEST_REDIS";
    private ChildProcess? _process;

    public int Port { get; } = TestTcpServer.ClosedPort();

    /// <summary>host:port, as StackExchange.Redis takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<TestRedisServer> StartAsync()
    {
        var server = new TestRedisServer();
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        _process = ChildProcess.Start("redis-server",
            ["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no",
             "--dir", Path.GetTempPath()]);
        await _process.WaitForLineAsync("Ready to accept connections");
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        await _process.DisposeAsync();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>The Redis scripts/test.sh started (host:port), or a skip when it is not set.</summary>
    public static string Shared()
    {
        var endpoint = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(endpoint)) Assert.Skip($"{Variable} is not set: scripts/test.sh starts Redis and sets it");
        return endpoint!;
    }
}
