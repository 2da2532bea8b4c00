using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>`ballast serve` running one process service named "slow" whose release is a script in an artifact folder.</summary>
internal sealed class ProcessServiceHarness : IDisposable
{
    private readonly TempDirectory _dir = new();

    /// <summary>A client of the server's API with the local credential, as the CLI on this machine calls it.</summary>
    public HttpClient Http { get; }

    public ProcessServiceHarness() => Http = new HttpClient(new LocalApiHandler(_dir.File("ballast.yaml"))) { Timeout = TimeSpan.FromMinutes(2) };
    public int ServerPort { get; } = TestTcpServer.ClosedPort();
    public int ServicePort { get; } = TestTcpServer.ClosedPort();
    public string Directory => _dir.Path;
    public string Artifact => _dir.File("artifact");

    public Uri Api(string path) => new($"http://127.0.0.1:{ServerPort}/api/v1/services/slow{path}");
    public Uri ServiceUrl(string path) => new($"http://127.0.0.1:{ServicePort}{path}");

    /// <summary>Writes the artifact's files and ballast.yaml, starts the server and waits until it runs the service.</summary>
    public async Task<BallastProcess> ServeAsync(IReadOnlyDictionary<string, string> files, string command, string args, string processKeys, string serviceKeys = "")
    {
        System.IO.Directory.CreateDirectory(Artifact);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(Artifact, name), content);
            File.SetUnixFileMode(Path.Combine(Artifact, name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(_dir.File("ballast.yaml"), $$"""
            server: { listen: 'http://127.0.0.1:{{ServerPort}}', storage: 'sqlite:ballast.db' }
            services:
              slow:
                provider: process
                process:
                  command: {{command}}
                  args: {{args}}
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{ServicePort}}'
                  health_path: /health
                  startup_timeout: 90s
            {{processKeys}}
            {{serviceKeys}}
            """);
        var serve = BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
        await UntilAsync(async () => (await Http.GetAsync(Api(""))).IsSuccessStatusCode, serve);
        return serve;
    }

    /// <summary>Another server on the same config and storage, as after a restart.</summary>
    public async Task<BallastProcess> ServeAgainAsync()
    {
        var serve = BallastProcess.Start(_dir.Path, "serve", "--config", "ballast.yaml");
        await UntilAsync(async () => (await Http.GetAsync(Api(""))).IsSuccessStatusCode, serve);
        return serve;
    }

    /// <summary>Copies the artifact into the releases folder as <paramref name="release"/>, as <c>ballast deploy</c> does before it names it.</summary>
    public void Prepare(string release, string service = "slow") =>
        Ballast.Core.Deploy.ReleaseFiles.Prepare(Ballast.Core.Deploy.ReleaseFiles.Root(_dir.Path, service), release, Artifact);

    public async Task<JsonElement> RolloutAsync(string release)
    {
        Prepare(release);
        using var response = await Http.PostAsJsonAsync(Api("/rollouts"), new { release, env = new Dictionary<string, string>() });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement;
    }

    public async Task<JsonElement> StatusAsync() => JsonDocument.Parse(await Http.GetStringAsync(Api(""))).RootElement;

    /// <summary>Polls <paramref name="condition"/> (generously bounded) while the server runs.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, BallastProcess serve)
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(50))
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2) && !serve.HasExited, "not reached; ballast serve said: " + serve.Stderr + serve.Stdout);
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        _dir.Dispose();
    }
}
