using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ballast.Core.Deploy;
using Ballast.Server.Deploy;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// The rollout and logs routes take only what Ballast itself prepared and configured: a release by name from the
/// releases folder, the service's own environment names, and log files of releases the runtime knows.
/// </summary>
public sealed class DeployApiSecurityTests
{
    // Notes every variable it was started with, so a test sees exactly the environment a replica got.
    private static readonly string Release = PythonRelease.Script("""
        with open(os.environ["STARTS"], "a") as f:
            f.write(" ".join(sorted(os.environ)) + "\n")

        def answer(path):
            return b"ok"
        """);

    private static async Task<(ServerHarness Server, string Folder, string Starts)> StartAsync()
    {
        var port = TestTcpServer.ClosedPort();
        var server = await ServerHarness.StartAsync("  []", sections: $$"""
            services:
              api:
                provider: process
                env: { STARTS: starts.log, GREETING: hello }
                process:
                  command: /usr/bin/python3
                  args: [server.py]
                  artifact: artifact
                  listen: 'http://127.0.0.1:{{port}}'
                  health_path: /health
                  startup_timeout: 90s
            """);
        var folder = Path.GetDirectoryName(server.ConfigPath)!;
        var artifact = Directory.CreateDirectory(Path.Combine(folder, "artifact")).FullName;
        File.WriteAllText(Path.Combine(artifact, "server.py"), Release);
        return (server, folder, Path.Combine(folder, "starts.log"));
    }

    private static async Task<(HttpStatusCode Status, string Detail)> PostAsync(ServerHarness server, string json)
    {
        using var response = await server.Client.PostAsync("/api/v1/services/api/rollouts", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString()! : text);
    }

    private static async Task AssertNothingRunsAsync(ServerHarness server, string starts)
    {
        var status = await server.GetJsonAsync("/api/v1/services/api");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("release").ValueKind);
        Assert.Equal(0, status.GetProperty("replicas").GetArrayLength());
        Assert.False(File.Exists(starts), "a replica was started: " + (File.Exists(starts) ? File.ReadAllText(starts) : ""));
    }

    [Fact]
    public async Task Rollout_ArbitraryPathOrArtifactField_Answers400NamingTheField_AndRunsNothing()
    {
        var (server, folder, starts) = await StartAsync();
        await using var _ = server;
        var elsewhere = Directory.CreateDirectory(Path.Combine(folder, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(elsewhere, "server.py"), Release);

        var artifact = await PostAsync(server, JsonSerializer.Serialize(new { release = "r1", env = new Dictionary<string, string>(), artifact = elsewhere }));
        var path = await PostAsync(server, JsonSerializer.Serialize(new { release = elsewhere, env = new Dictionary<string, string>() }));
        var parent = await PostAsync(server, """{"release":"../../elsewhere","env":{}}""");
        var unknown = await PostAsync(server, """{"release":"r1","env":{},"cwd":"/"}""");
        var notPrepared = await PostAsync(server, JsonSerializer.Serialize(new { release = "r1", env = new Dictionary<string, string> { ["STARTS"] = starts, ["GREETING"] = "hello" } }));

        Assert.Equal(HttpStatusCode.BadRequest, artifact.Status);
        Assert.StartsWith("artifact: unknown field (fields: release, env)", artifact.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, path.Status);
        Assert.StartsWith("release: ", path.Detail, StringComparison.Ordinal);
        Assert.Contains("never a path", path.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, parent.Status);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.StartsWith("cwd: unknown field", unknown.Detail, StringComparison.Ordinal);
        // A well-formed name the deployer never prepared is refused too: the server copies nothing itself.
        Assert.Equal((HttpStatusCode)422, notPrepared.Status);
        Assert.Contains("release r1 was not prepared", notPrepared.Detail, StringComparison.Ordinal);
        await AssertNothingRunsAsync(server, starts);
    }

    [Fact]
    public async Task Rollout_EnvWithLdPreload_Answers422NamingIt_ThenTheConfiguredEnvRollsOut()
    {
        var (server, folder, starts) = await StartAsync();
        await using var _ = server;
        var runtime = server.Services.GetRequiredService<ProcessRuntime>();
        ReleaseFiles.Prepare(runtime.ReleasesDirectory("api"), "r1", Path.Combine(folder, "artifact"));

        var preload = await PostAsync(server, JsonSerializer.Serialize(new
        {
            release = "r1", env = new Dictionary<string, string> { ["STARTS"] = starts, ["GREETING"] = "hello", ["LD_PRELOAD"] = "/tmp/evil.so", ["DOTNET_STARTUP_HOOKS"] = "/tmp/evil.dll" },
        }));
        var missing = await PostAsync(server, JsonSerializer.Serialize(new { release = "r1", env = new Dictionary<string, string> { ["STARTS"] = starts } }));

        Assert.Equal((HttpStatusCode)422, preload.Status);
        Assert.Contains("not configured: DOTNET_STARTUP_HOOKS, LD_PRELOAD", preload.Detail, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, missing.Status);
        Assert.Contains("missing: GREETING", missing.Detail, StringComparison.Ordinal);
        await AssertNothingRunsAsync(server, starts);

        var good = await PostAsync(server, JsonSerializer.Serialize(new
        {
            release = "r1", env = new Dictionary<string, string> { ["STARTS"] = starts, ["GREETING"] = "hello", ["BALLAST_RELEASE"] = "r1" },
        }));
        Assert.Equal(HttpStatusCode.OK, good.Status);
        var started = File.ReadAllLines(starts).Single().Split(' ');
        Assert.Contains("GREETING", started);
        Assert.DoesNotContain("LD_PRELOAD", started);
        Assert.DoesNotContain("DOTNET_STARTUP_HOOKS", started);
    }

    [Fact]
    public async Task Logs_ReleaseOutsideTheReleasesFolder_Answers404_AndReadsNothing()
    {
        var (server, folder, _) = await StartAsync();
        await using var __ = server;
        var runtime = server.Services.GetRequiredService<ProcessRuntime>();
        ReleaseFiles.Prepare(runtime.ReleasesDirectory("api"), "r1", Path.Combine(folder, "artifact"));
        Directory.CreateDirectory(Path.Combine(runtime.ReleasesDirectory("api"), "r1", "logs"));
        File.WriteAllText(Path.Combine(runtime.ReleasesDirectory("api"), "r1", "logs", "0.log"), "r1 started\n");
        // What ?release=../.. reached before: .ballast/logs/*.log, and any logs/ folder a path can name.
        Directory.CreateDirectory(Path.Combine(folder, ".ballast", "logs"));
        File.WriteAllText(Path.Combine(folder, ".ballast", "logs", "secret.log"), "SECRET-LINE\n");
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        File.WriteAllText(Path.Combine(folder, "logs", "secret.log"), "SECRET-LINE\n");

        foreach (var release in new[] { "../..", "../../..", "..%2F..", folder, "nope" })
        {
            using var response = await server.Client.GetAsync($"/api/v1/services/api/logs?release={Uri.EscapeDataString(release)}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{release}: {response.StatusCode} {body}");
            Assert.DoesNotContain("SECRET-LINE", body, StringComparison.Ordinal);
        }
        var kept = await server.Client.GetFromJsonAsync(new Uri("/api/v1/services/api/logs?release=r1", UriKind.Relative), ProcessRuntimeJson.Default.ReleaseLogs);
        Assert.Equal(["r1 started"], kept!.Lines);
    }

    [Fact]
    public async Task Backups_ShowEnvironmentNamesAndStars_NeverValues()
    {
        var (server, _, _) = await StartAsync();
        await using var _ = server;
        var store = server.Services.GetRequiredService<IDeployStore>();
        var id = await store.AddAsync(new DeployRecord { Service = "api", StartedAt = DateTimeOffset.UnixEpoch, Who = "test" }, CancellationToken.None);
        // A file kept before values were sealed, as an older Ballast stored it.
        await store.AddBackupAsync(id, "api", new SpecBackup("deploy.json", """
            { "containers": { "api": { "image": ":api.web.1", "environment": { "DATABASE_URL": "postgres://u:hunter2-plain@db/api", "REF": "${TOKEN}" } } } }
            """), DateTimeOffset.UnixEpoch, CancellationToken.None);

        var body = await server.Client.GetStringAsync("/api/v1/services/api/backups");

        var content = JsonNode.Parse(JsonNode.Parse(body)![0]!["content"]!.GetValue<string>())!;
        var environment = content["containers"]!["api"]!["environment"]!.AsObject();
        Assert.Equal(["DATABASE_URL", "REF"], environment.Select(p => p.Key));
        Assert.All(environment, p => Assert.Equal("***", p.Value!.GetValue<string>()));
        Assert.Equal(":api.web.1", content["containers"]!["api"]!["image"]!.GetValue<string>());
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
    }
}
