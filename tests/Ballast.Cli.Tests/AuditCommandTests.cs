using System.Text.Json;
using System.Text.Json.Nodes;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;

namespace Ballast.Cli.Tests;

/// <summary>
/// <c>ballast audit</c> against a real server on loopback, and the audit entry a lightsail deploy run by the CLI leaves
/// (the stand-in AWS CLI in tests/tools plays Lightsail; the deploy verifies against the server's own /health/live).
/// </summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private const string Image = ":api.web.162";
    private readonly TempDirectory _dir = new();
    private WebApplication _server = null!;
    private string _config = null!;
    private Dictionary<string, string> _aws = null!;

    public async ValueTask InitializeAsync()
    {
        var state = Directory.CreateDirectory(_dir.File("aws-state")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(state, "bin")).FullName;
        foreach (var tool in new[] { "lightsailctl", "docker" })
        {
            File.WriteAllText(Path.Combine(bin, tool), "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(Path.Combine(state, "state.json"), new JsonObject
        {
            ["scale"] = 1,
            ["activate_after"] = 1,
            ["logs"] = new JsonArray("Application successfully started"),
            ["deployments"] = new JsonArray(new JsonObject
            {
                ["version"] = 1, ["state"] = "ACTIVE", ["createdAt"] = 1700000000.0,
                ["containers"] = new JsonObject { ["api"] = new JsonObject { ["image"] = Image, ["environment"] = new JsonObject() } },
            }),
        }.ToJsonString());
        _aws = new Dictionary<string, string>
        {
            ["AWS_STANDIN_STATE"] = state,
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
        };
        _dir.Write("lightsail-api-deployment.json", $$"""
            { "serviceName": "api",
              "containers": { "api": { "image": "{{Image}}", "environment": {}, "ports": { "3697": "HTTP" } } },
              "publicEndpoint": { "containerName": "api", "containerPort": 3697, "healthCheck": { "path": "/health/live" } } }
            """);
        _dir.Write("ballast.contract.json", """{ "service": "api", "env": {}, "endpoints": { "ready": "/health/ready", "version": "/version" } }""");
        var listen = $"http://127.0.0.1:{TestTcpServer.ClosedPort()}";
        _config = _dir.Write("ballast.yaml", $$"""
            server: { listen: "{{listen}}", storage: "sqlite:ballast.db" }
            monitors:
              - { name: nightly, type: heartbeat, period: 1h }
            services:
              api:
                provider: lightsail
                lightsail:
                  service: api
                  region: us-east-2
                  container: api
                  deployment_file: lightsail-api-deployment.json
                  aws_cli: '{{Repository.Path("tests", "tools", "aws")}}'
                  poll_interval: 50ms
                  timeout: 30s
                contract: ballast.contract.json
                verify:
                  base_url: '{{listen}}'
                  builtin: false
                  timeout: 30s
                  interval: 100ms
                  checks:
                    - { path: /health/live }
            """);
        _server = BallastServer.Build(ConfigLoader.Load(_config).Require(), configureLogging: _ => { });
        await _server.StartAsync();
    }

    [Fact]
    public async Task Audit_AfterASilenceAndALightsailDeploy_ListsBoth_TheDeployAsTheOsUserFromTheCli()
    {
        var silence = await BallastProcess.RunAsync(_dir.Path, "silence", "add", "--match", "night*", "--for", "2h", "--reason", "restore drill", "--config", _config);
        Assert.Equal(ExitCodes.Ok, silence.ExitCode);
        var deploy = await BallastProcess.RunAsync(_dir.Path, ["deploy", "api", "--image", Image, "--config", _config], _aws);
        Assert.True(deploy.ExitCode == ExitCodes.Ok, deploy.Stderr);

        var table = await BallastProcess.RunAsync(_dir.Path, "audit", "--config", _config);
        var json = await BallastProcess.RunAsync(_dir.Path, "audit", "--json", "--config", _config);

        Assert.True(table.ExitCode == ExitCodes.Ok, table.Stderr);
        var lines = table.Stdout.Split('\n');
        var silenceRow = Assert.Single(lines, l => l.Contains("POST /api/v1/silences", StringComparison.Ordinal));
        Assert.Contains("127.0.0.1", silenceRow, StringComparison.Ordinal);
        Assert.Contains("201", silenceRow, StringComparison.Ordinal);
        var deployRow = Assert.Single(lines, l => l.Contains("deploy api", StringComparison.Ordinal));
        Assert.Contains($"cli@{Environment.MachineName}", deployRow, StringComparison.Ordinal);
        Assert.True(table.Stdout.IndexOf("POST /api/v1/silences", StringComparison.Ordinal) < table.Stdout.IndexOf("deploy api", StringComparison.Ordinal),
            "entries are not oldest first:\n" + table.Stdout);
        Assert.Contains("2 entries since 24h, oldest first", table.Stderr, StringComparison.Ordinal);

        Assert.True(json.ExitCode == ExitCodes.Ok, json.Stderr);
        var entries = JsonSerializer.Deserialize(json.Stdout, AuditJson.Default.IReadOnlyListAuditView)!;
        var deployed = Assert.Single(entries, e => e.Action == "deploy api");
        Assert.Equal((Environment.UserName, AuditEntry.Cli, $"cli@{Environment.MachineName}", "service=api", "Deployed"),
            (deployed.Who, deployed.How, deployed.From, deployed.Target, deployed.Outcome));
        Assert.StartsWith($"release {Image}, record #", deployed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_WhoFilterMatchingNobody_SaysSoOnStderr_StdoutEmpty()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "audit", "--who", "nobody-at-all", "--since", "7d", "--config", _config);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("no audit entries since 7d", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_BadSince_Exits2NamingIt()
    {
        var run = await BallastProcess.RunAsync(_dir.Path, "audit", "--since", "last tuesday", "--config", _config);

        Assert.Equal(ExitCodes.ConfigInvalid, run.ExitCode);
        Assert.Contains("--since \"last tuesday\" is neither a duration", run.Stderr, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
