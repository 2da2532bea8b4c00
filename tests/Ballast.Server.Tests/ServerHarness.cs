using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Config;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>A real <c>ballast serve</c> host on 127.0.0.1:0 with SQLite in a temp folder, built from YAML the test writes.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private WebApplication _app = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The host's services (its lifetime, its singletons), for what the API does not show.</summary>
    public IServiceProvider Services => _app.Services;
    public string ConfigPath => _dir.File("ballast.yaml");

    /// <param name="monitorsYaml">The monitors: list.</param>
    /// <param name="sections">More top-level sections (channels:, alerting:), as YAML.</param>
    /// <param name="storage">The storage URL; a SQLite file in the temp folder when null.</param>
    /// <param name="serverYaml">A line added under server: (such as a retention: section).</param>
    /// <param name="configureServices">Replaces registrations after Ballast's own (a store that fails on demand).</param>
    public static async Task<ServerHarness> StartAsync(string monitorsYaml, string sections = "", string? storage = null, string serverYaml = "",
        Action<IServiceCollection>? configureServices = null)
    {
        var harness = new ServerHarness { _sections = sections, _storage = storage ?? "sqlite:ballast.db", _server = serverYaml, _configureServices = configureServices };
        harness.WriteConfig(monitorsYaml);
        await harness.StartHostAsync();
        return harness;
    }

    /// <summary>Stops the host and starts it again on the same folder, config and storage, as <c>ballast serve</c> run again.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await StartHostAsync();
    }

    private async Task StartHostAsync()
    {
        var config = ConfigLoader.Load(ConfigPath).Require();
        _app = BallastServer.Build(config, configureLogging: _ => { }, configureServices: _configureServices);
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(_app.Addresses()[0]), Timeout = TimeSpan.FromSeconds(10) };
    }

    private Action<IServiceCollection>? _configureServices;

    private string _sections = "";
    private string _storage = "";
    private string _server = "";

    public void WriteConfig(string monitorsYaml) => File.WriteAllText(ConfigPath, $"""
        server:
          listen: http://127.0.0.1:0
          public_url: https://status.example.com
          storage: {_storage}
          {_server}
        {_sections}
        monitors:
        {monitorsYaml}
        """);

    public async Task<JsonElement> GetJsonAsync(string path) =>
        await Client.GetFromJsonAsync<JsonElement>(path);

    /// <summary>Polls the API until <paramref name="condition"/> holds (at most <paramref name="seconds"/>), returning the last answer.</summary>
    public async Task<JsonElement> EventuallyAsync(string path, Func<JsonElement, bool> condition, int seconds = 15)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        JsonElement last = default;
        while (TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(seconds))
        {
            last = await GetJsonAsync(path);
            if (condition(last)) return last;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{path} never satisfied the condition; last answer: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dir.Dispose();
    }
}
