using System.Net;

namespace Ballast.Testing;

/// <summary>
/// samples/SampleApi run as its own process (as a deploy runs it) on a free loopback port, with the environment the
/// test gives it. Test projects that use it reference SampleApi.csproj with ReferenceOutputAssembly="false" so it is built.
/// </summary>
public sealed class SampleApiProcess : IAsyncDisposable
{
    private SampleApiProcess(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public ChildProcess Process { get; }
    public int Port { get; }
    public HttpClient Client { get; }

    /// <summary>The built SampleApi.dll of the configuration the tests were built in.</summary>
    public static string Assembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
            var path = Repository.Path("samples", "SampleApi", "bin", configuration, "net10.0", "SampleApi.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("SampleApi is not built: reference samples/SampleApi/SampleApi.csproj from the test project", path);
        }
    }

    /// <summary>Starts it; <paramref name="environment"/> adds to (or, with null values, removes from) the test's environment.</summary>
    public static SampleApiProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var port = TestTcpServer.ClosedPort();
        var env = new Dictionary<string, string?>(environment) { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var name in new[] { "ASPNETCORE_URLS", "URLS", "DOTNET_URLS" }) env.TryAdd(name, null);
        return new SampleApiProcess(ChildProcess.Start("dotnet", [Assembly, .. arguments], env), port);
    }

    /// <summary>The environment of release <paramref name="release"/> with a fresh database and the given Redis.</summary>
    public static async Task<Dictionary<string, string?>> EnvironmentAsync(string release, string redisEndpoint) => new()
    {
        ["BALLAST_RELEASE"] = release,
        ["DATABASE_URL"] = (await TestPostgres.CreateDatabaseAsync()).ToString(),
        ["REDIS_URL"] = $"redis://{redisEndpoint}",
    };

    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="status"/>; returns that response's body.</summary>
    public async Task<string> WaitForAsync(string path, HttpStatusCode status, TimeSpan? timeout = null)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var last = "no answer";
        while (true)
        {
            try
            {
                using var response = await Client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == status) return body;
                last = $"{(int)response.StatusCode} {body}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            if (Process.HasExited || waited.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
                throw new TimeoutException($"{path} never answered {(int)status}; last: {last}\nthe API's output:\n{Process.Output}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
