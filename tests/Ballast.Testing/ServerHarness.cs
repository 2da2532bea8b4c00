using Xunit;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Config;
using Ballast.Core.Security;
using System.Net;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Testing;

/// <summary>
/// A real <c>ballast serve</c> host on 127.0.0.1:0 with SQLite in a temp folder, built from YAML the test writes. Its
/// <see cref="Client"/> sends an admin API token made through the store, as a machine calling the API would.
/// </summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private WebApplication _app = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client with no credential at all: what job hosts and strangers call the public routes with.</summary>
    public HttpClient Stranger { get; private set; } = null!;

    /// <summary>The admin token <see cref="Client"/> sends.</summary>
    public string AdminToken { get; private set; } = null!;

    /// <summary>The server's address.</summary>
    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>The host's services (its lifetime, its singletons), for what the API does not show.</summary>
    public IServiceProvider Services => _app.Services;
    public string ConfigPath => _dir.File("ballast.yaml");

    /// <param name="monitorsYaml">The monitors: list.</param>
    /// <param name="sections">More top-level sections (channels:, alerting:), as YAML.</param>
    /// <param name="storage">The storage URL; a SQLite file in the temp folder when null.</param>
    /// <param name="serverYaml">A line added under server: (such as a retention: section).</param>
    /// <param name="configureServices">Replaces registrations after Ballast's own (a store that fails on demand).</param>
    /// <param name="port">A fixed port to listen on, which <c>public_url</c> then names, so links in alerts lead back to this server.</param>
    public static async Task<ServerHarness> StartAsync(string monitorsYaml, string sections = "", string? storage = null, string serverYaml = "",
        Action<IServiceCollection>? configureServices = null, TimeProvider? time = null, int? port = null)
    {
        var harness = new ServerHarness
        {
            _sections = sections, _storage = storage ?? "sqlite:ballast.db", _server = serverYaml, _configureServices = configureServices, _time = time,
            _port = port,
        };
        harness.WriteConfig(monitorsYaml);
        await harness.StartHostAsync();
        return harness;
    }

    /// <summary>Stops the host and starts it again on the same folder, config and storage, as <c>ballast serve</c> run again.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        Stranger.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await StartHostAsync();
    }

    private async Task StartHostAsync()
    {
        var config = ConfigLoader.Load(ConfigPath).Require();
        _app = BallastServer.Build(config, _time, configureLogging: _ => { }, configureServices: _configureServices);
        await _app.StartAsync();
        AdminToken ??= await CreateTokenAsync("harness-admin", Role.Admin);
        Client = NewClient(AdminToken);
        Stranger = NewClient();
    }

    /// <summary>Makes an API token through the store, as <c>ballast token create</c> does, and returns its secret.</summary>
    public async Task<string> CreateTokenAsync(string name, Role role, TimeSpan? lifetime = null)
    {
        var now = (_time ?? TimeProvider.System).GetUtcNow();
        var secret = ApiTokenSecret.Create();
        var added = await Services.GetRequiredService<IIdentityStore>().AddTokenAsync(
            new ApiToken(Guid.NewGuid().ToString("N"), name, role, ApiTokenSecret.Hash(secret), now, now + lifetime, null, null));
        if (!added) throw new InvalidOperationException($"a token named {name} exists already");
        return secret;
    }

    /// <summary>Adds a user through the store, as <c>ballast user add</c> does.</summary>
    public async Task CreateUserAsync(string name, Role role, string password) =>
        Assert.True(await Services.GetRequiredService<IIdentityStore>().AddUserAsync(
            new UserAccount(name, role, Passwords.Hash(password), (_time ?? TimeProvider.System).GetUtcNow())));

    /// <summary>
    /// Logs in as a browser would: a client that keeps the session cookie, and the antiforgery token the login
    /// answered with (which the page sends in X-CSRF-TOKEN).
    /// </summary>
    /// <param name="followRedirects">False to see a form post's redirect itself rather than the page it leads to.</param>
    public async Task<(HttpClient Browser, string AntiforgeryToken)> LoginAsync(string name, string password, bool followRedirects = true)
    {
        var browser = NewClient(handler: new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = followRedirects });
        using var answer = await browser.PostAsJsonAsync("/api/v1/session", new LoginRequest(name, password), SessionJson.Default.LoginRequest);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var session = await answer.Content.ReadFromJsonAsync(SessionJson.Default.SessionView);
        return (browser, session!.AntiforgeryToken!);
    }

    /// <summary>A client of the server sending <paramref name="token"/> as Bearer, or no credential at all.</summary>
    public HttpClient NewClient(string? token = null, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = new Uri(_app.Addresses()[0]);
        client.Timeout = TimeSpan.FromSeconds(10);
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Action<IServiceCollection>? _configureServices;
    private TimeProvider? _time;

    private string _sections = "";
    private string _storage = "";
    private string _server = "";
    private int? _port;

    /// <summary>Rewrites ballast.yaml (a running server takes it as an edit) with these monitors and, when given, these sections.</summary>
    public void WriteConfig(string monitorsYaml, string? sections = null)
    {
        _sections = sections ?? _sections;
        File.WriteAllText(ConfigPath, $"""
        server:
          listen: http://127.0.0.1:{_port ?? 0}
          public_url: {(_port is { } p ? $"http://127.0.0.1:{p}" : "https://status.example.com")}
          storage: {_storage}
          {_server}
        {_sections}
        monitors:
        {monitorsYaml}
        """);
    }

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
        Stranger.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dir.Dispose();
    }
}
