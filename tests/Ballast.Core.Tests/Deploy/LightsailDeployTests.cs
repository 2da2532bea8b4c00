using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ballast.Core;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Deploy.Providers;
using Ballast.Core.Monitoring.Probes;
using Ballast.Storage;
using Ballast.Storage.Deploy;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Core.Tests.Deploy;

/// <summary>
/// The lightsail provider against the stand-in AWS CLI (tests/tools/aws, state in a temp folder) and a local web
/// server playing the container Lightsail would run: it answers as the ACTIVE deployment's image and environment.
/// </summary>
public sealed partial class LightsailDeployTests : IAsyncDisposable
{
    private const string Stale = ":api.web.162";
    private const string Pushed = ":api.web.165";
    private readonly TempDirectory _dir = new();
    private readonly string _state;
    private readonly List<ServiceProvider> _containers = [];
    private TestWebServer? _container;

    // How the stand-in container misbehaves, per test.
    private string? _reportRelease;
    private string? _unreadyImage;
    private string? _corslessImage;

    public LightsailDeployTests()
    {
        _state = Directory.CreateDirectory(_dir.File("aws-state")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(_state, "bin")).FullName;
        foreach (var tool in new[] { "lightsailctl", "docker" })
        {
            File.WriteAllText(Path.Combine(bin, tool), "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(_dir.File("ballast.contract.json"), """
            { "service": "api", "env": { "DATABASE_URL": { "kind": "url" }, "AI_MAX_TOKENS_CHAT": { "kind": "int", "min": 1 } },
              "endpoints": { "ready": "/health/ready", "version": "/version" } }
            """);
        // The file in the user's repository still names the old image: the story's stale tag.
        File.WriteAllText(_dir.File("lightsail-api-deployment.json"), $$"""
            { "serviceName": "api",
              "containers": { "api": { "image": "{{Stale}}", "environment": { "DATABASE_URL": "postgres://db/api" }, "ports": { "3697": "HTTP" } } },
              "publicEndpoint": { "containerName": "api", "containerPort": 3697, "healthCheck": { "path": "/health/live" } } }
            """);
        State(s =>
        {
            s["scale"] = 2;
            s["activate_after"] = 1;
            s["image_versions"] = new JsonObject { ["web"] = 164 };
            s["logs"] = new JsonArray("Starting api", "Application successfully started");
            s["deployments"] = new JsonArray(new JsonObject
            {
                ["version"] = 1, ["state"] = "ACTIVE", ["createdAt"] = 1700000000.0,
                ["containers"] = new JsonObject { ["api"] = new JsonObject { ["image"] = Stale, ["environment"] = new JsonObject { ["DATABASE_URL"] = "postgres://db/api" } } },
            });
        });
    }

    private void State(Action<JsonObject> change)
    {
        var path = Path.Combine(_state, "state.json");
        var state = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : [];
        change(state);
        File.WriteAllText(path, state.ToJsonString());
    }

    private string Calls => File.Exists(Path.Combine(_state, "calls.log")) ? File.ReadAllText(Path.Combine(_state, "calls.log")) : "";

    /// <summary>
    /// The container Lightsail would run for the ACTIVE deployment. Like a real one it knows only its environment (the
    /// deployment's <c>environment</c>) and its code (the image, which decides how it misbehaves in a test): what it
    /// reports on /version comes from its environment alone, with Ballast.AspNetCore's fingerprint rule.
    /// </summary>
    private async Task<Uri> ContainerAsync()
    {
        if (_container is not null) return _container.BaseAddress;
        (string Image, IReadOnlyDictionary<string, string> Env) Active()
        {
            var state = JsonNode.Parse(File.ReadAllText(Path.Combine(_state, "state.json")))!;
            var active = state["deployments"]!.AsArray().First(d => d!["state"]!.GetValue<string>() == "ACTIVE")!;
            var container = active["containers"]!["api"]!;
            var env = (container["environment"]?.AsObject() ?? []).ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
            return (container["image"]!.GetValue<string>(), env);
        }
        _container = await TestWebServer.StartAsync(app =>
        {
            app.MapGet("/health/ready", () => Active().Image == _unreadyImage ? Results.StatusCode(503) : Results.Ok(new { status = "pass" }));
            app.MapGet("/version", () =>
            {
                var (_, env) = Active();
                // The names of the contract's variables that are set, sorted: what the readiness library hashes.
                var contract = JsonNode.Parse(File.ReadAllText(_dir.File("ballast.contract.json")))!["env"]!.AsObject().Select(p => p.Key);
                var names = contract.Where(n => !string.IsNullOrEmpty(env.GetValueOrDefault(n))).Order(StringComparer.Ordinal);
                return Results.Ok(new
                {
                    release = _reportRelease ?? env.GetValueOrDefault("BALLAST_RELEASE"),
                    commit = env.GetValueOrDefault("BALLAST_COMMIT"),
                    envFingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', names)))),
                });
            });
            app.MapGet("/v1/ping", (HttpContext context) =>
            {
                if (Active().Image != _corslessImage) context.Response.Headers.AccessControlAllowOrigin = context.Request.Headers.Origin.ToString();
                return Results.Ok(new { pong = true });
            });
        });
        return _container.BaseAddress;
    }

    private const string Checklist = "{ post_log: Application successfully started, post_log_timeout: 5s }";

    private async Task<BallastConfig> ConfigAsync(bool withBudget = true, string checklist = Checklist, string onFailure = "rollback", string build = "", string lightsail = "", string service = "",
        string storage = "sqlite:ballast.db", string databaseUrl = "postgres://db/api")
    {
        var baseUrl = await ContainerAsync();
        var yaml = $$"""
            server: { listen: 'http://127.0.0.1:7700', storage: '{{storage}}' }
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
            {{lightsail}}
                build: { command: 'true', image: 'api:latest', label: web{{build}} }
                scale: 2
                contract: ballast.contract.json
                env:
                  DATABASE_URL: {{databaseUrl}}
            {{(withBudget ? "      AI_MAX_TOKENS_CHAT: '4096'" : "")}}
                verify:
                  base_url: '{{baseUrl}}'
                  timeout: 1500ms
                  interval: 100ms
                  cors_origins: [https://app.example.com]
                checklist: {{checklist}}
                on_failure: {{onFailure}}
            {{service}}
            """;
        File.WriteAllText(_dir.File("ballast.yaml"), yaml);
        var loaded = ConfigLoader.Load(_dir.File("ballast.yaml"));
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        return loaded.Config!;
    }

    /// <summary>The pipeline as <c>ballast deploy</c> gets it (the same registrations), with the stand-in AWS CLI on PATH.</summary>
    /// <param name="clock">The deploy's clock (the aws calls' timeouts among others), when a test drives it.</param>
    /// <param name="faults">Wraps the registered store to make one of its calls fail, when a test needs that.</param>
    private async Task<(DeployPipeline Pipeline, IDeployStore Store)> PipelineAsync(BallastConfig config, TimeProvider? clock = null,
        Func<IDeployStore, IDeployStore>? faults = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["AWS_STANDIN_STATE"] = _state,
            ["PATH"] = Path.Combine(_state, "bin") + ":/usr/bin:/bin",
        };
        var services = new ServiceCollection()
            .AddSingleton(new LightsailProviderOptions { Environment = environment })
            .AddBallastStorage(config).AddBallastDeploy(clock);
        if (faults is not null) services.AddSingleton(sp => faults(new SqlDeployStore(sp.GetRequiredService<SqlDialect>())));
        var provider = services.BuildServiceProvider();
        _containers.Add(provider);
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync();
        return (provider.GetRequiredService<DeployPipeline>(), provider.GetRequiredService<IDeployStore>());
    }

    private JsonObject DeploymentFileEnvironment() =>
        JsonNode.Parse(File.ReadAllText(_dir.File("lightsail-api-deployment.json")))!["containers"]!["api"]!["environment"]!.AsObject();

    private string DeploymentFileImage() =>
        JsonNode.Parse(File.ReadAllText(_dir.File("lightsail-api-deployment.json")))!["containers"]!["api"]!["image"]!.GetValue<string>();

    /// <summary>The old release deployed and verified, so there is something to roll back to.</summary>
    private async Task<(BallastConfig, DeployPipeline)> WithGoodReleaseAsync()
    {
        var config = await ConfigAsync();
        var (pipeline, _) = await PipelineAsync(config);
        var first = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Stale), new RecordingReporter(), CancellationToken.None);
        Assert.Equal(DeployOutcome.Deployed, first.Outcome);
        return (config, pipeline);
    }

    [Fact]
    public async Task Deploy_ThePushedReferenceWins_OverTheStaleTagInTheFile_TheOldFileIsBackedUp()
    {
        var config = await ConfigAsync();
        var (pipeline, store) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        Assert.Equal(Pushed, record.Release);
        Assert.Equal(Pushed, DeploymentFileImage());
        var backup = Assert.Single(Directory.GetFiles(_dir.File(Path.Combine(".ballast", "backups", "api"))));
        Assert.Contains(Stale, File.ReadAllText(backup), StringComparison.Ordinal);
        Assert.Contains($"image: {Stale} → {Pushed}", reporter.Text, StringComparison.Ordinal);
        Assert.Contains("+ env AI_MAX_TOKENS_CHAT=***", reporter.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("4096", reporter.Text, StringComparison.Ordinal);
        Assert.Contains("push-container-image --service-name api --label web --image api:latest", Calls, StringComparison.Ordinal);
        Assert.Equal(["preflight", "lock", "checklist", "build", "contract", "spec", "rollout", "verify", "post_log"], record.Steps.Select(s => s.Name));
        var stored = (await store.HistoryAsync("api", 5, CancellationToken.None))[0];
        Assert.Equal(DeployOutcome.Deployed, stored.Outcome);
        var spec = stored.Steps.Single(s => s.Name == "spec").Detail!;
        Assert.Contains($"image: {Stale} → {Pushed}", spec, StringComparison.Ordinal);
        Assert.Contains($"the previous one kept as {backup}", spec, StringComparison.Ordinal);
        Assert.Contains("✔ version", stored.Steps.Single(s => s.Name == "verify").Detail, StringComparison.Ordinal);
        var kept = Assert.Single(await store.BackupsAsync("api", 5, CancellationToken.None));
        Assert.Equal((record.Id, _dir.File("lightsail-api-deployment.json")), (kept.DeployId, kept.File));
        Assert.Equal(File.ReadAllText(backup), kept.Content);
    }

    [Fact]
    public async Task Deploy_ReleaseAndConfiguredCommit_AreDeliveredInTheContainersEnvironment_AndVerified()
    {
        // The contract names BALLAST_COMMIT too, so the fingerprint the container reports covers it.
        File.WriteAllText(_dir.File("ballast.contract.json"), """
            { "service": "api", "env": { "DATABASE_URL": { "kind": "url" }, "AI_MAX_TOKENS_CHAT": { "kind": "int", "min": 1 },
                                         "BALLAST_COMMIT": { "required": false } },
              "endpoints": { "ready": "/health/ready", "version": "/version" } }
            """);
        const string Commit = "0123456789abcdef0123456789abcdef01234567";
        var config = await ConfigAsync(build: $", commit: '{Commit}'");
        var (pipeline, _) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        var env = DeploymentFileEnvironment();
        Assert.Equal(Pushed, env["BALLAST_RELEASE"]!.GetValue<string>());
        Assert.Equal(Commit, env["BALLAST_COMMIT"]!.GetValue<string>());
        Assert.Contains("✔ version", record.Steps.Single(s => s.Name == "verify").Detail, StringComparison.Ordinal);
        Assert.Contains($"release {Pushed} (commit {Commit})", reporter.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Commit, record.Steps.Single(s => s.Name == "spec").Detail, StringComparison.Ordinal); // values stay masked in the diff
    }

    [Fact]
    public async Task Deploy_BuiltFromAGitWorkTree_DeliversItsHeadAsTheCommit()
    {
        async Task<string> Git(params string[] args)
        {
            var result = await Cli.Wrap("git")
                .WithArguments(["-c", "user.name=Ballast Tests", "-c", "user.email=tests@example.com", "-c", "commit.gpgsign=false", .. args])
                .WithWorkingDirectory(_dir.Path).ExecuteBufferedAsync();
            return result.StandardOutput.Trim();
        }
        await Git("init", "-q");
        await Git("commit", "-q", "--allow-empty", "-m", "the service's code");
        var head = await Git("rev-parse", "HEAD");
        var config = await ConfigAsync();
        var (pipeline, _) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        Assert.Equal(40, head.Length);
        Assert.Equal(head, DeploymentFileEnvironment()["BALLAST_COMMIT"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deploy_AnExistingImage_HasNoCommit_ButItsReleaseIsDelivered()
    {
        var config = await ConfigAsync();
        var (pipeline, _) = await PipelineAsync(config);

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), new RecordingReporter(), CancellationToken.None);

        Assert.Equal(DeployOutcome.Deployed, record.Outcome);
        Assert.Equal(Pushed, DeploymentFileEnvironment()["BALLAST_RELEASE"]!.GetValue<string>());
        Assert.False(DeploymentFileEnvironment().ContainsKey("BALLAST_COMMIT"));
    }

    /// <summary>What the container Lightsail runs for the ACTIVE deployment tells about itself on /version.</summary>
    private async Task<(string? Release, string? Commit)> ActiveVersionAsync()
    {
        using var http = new HttpClient();
        var version = JsonNode.Parse(await http.GetStringAsync(new Uri(await ContainerAsync(), "/version")))!;
        return (version["release"]?.GetValue<string>(), version["commit"]?.GetValue<string>());
    }

    private const string FirstCommit = "1111111111111111111111111111111111111111";
    private const string SecondCommit = "2222222222222222222222222222222222222222";
    private const string Rebuilt = ":api.web.166";

    /// <summary>
    /// <see cref="Pushed"/> built from <see cref="FirstCommit"/> and deployed; returns the config whose next build is
    /// <see cref="Rebuilt"/> from <see cref="SecondCommit"/>.
    /// </summary>
    private async Task<(BallastConfig Next, DeployPipeline Pipeline, IDeployStore Store)> WithReleaseBuiltFromFirstCommitAsync()
    {
        var first = await ConfigAsync(build: $", commit: '{FirstCommit}'");
        var (pipeline, store) = await PipelineAsync(first);
        Assert.Equal(DeployOutcome.Deployed, (await pipeline.DeployAsync(first, new DeployRequest("api"), new RecordingReporter(), CancellationToken.None)).Outcome);
        Assert.Equal((Pushed, FirstCommit), await ActiveVersionAsync());
        return (await ConfigAsync(build: $", commit: '{SecondCommit}'"), pipeline, store);
    }

    [Fact]
    public async Task Rollback_ToAReleaseBuiltWithACommit_DeliversThatCommitAgain()
    {
        var (config, pipeline, store) = await WithReleaseBuiltFromFirstCommitAsync();
        Assert.Equal(DeployOutcome.Deployed, (await pipeline.DeployAsync(config, new DeployRequest("api"), new RecordingReporter(), CancellationToken.None)).Outcome);
        Assert.Equal((Rebuilt, SecondCommit), await ActiveVersionAsync());
        var reporter = new RecordingReporter();

        var record = await pipeline.RollbackAsync(config, "api", to: null, forceUnlock: false, reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        Assert.Equal(Pushed, record.Release);
        Assert.Equal(FirstCommit, DeploymentFileEnvironment()["BALLAST_COMMIT"]!.GetValue<string>());
        Assert.Equal((Pushed, FirstCommit), await ActiveVersionAsync());
        // The rollback's record keeps the commit too, so a later restore or rollback finds it there.
        Assert.Equal(FirstCommit, (await store.HistoryAsync("api", 1, CancellationToken.None))[0].Commit);
    }

    [Fact]
    public async Task Deploy_FailingVerification_RollsBackWithTheCommitTheLastVerifiedReleaseWasBuiltFrom()
    {
        var (config, pipeline, _) = await WithReleaseBuiltFromFirstCommitAsync();
        _unreadyImage = Rebuilt;
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.RolledBack, reporter.Text);
        Assert.Equal((Rebuilt, SecondCommit, Pushed), (record.Release, record.Commit, record.RolledBackTo));
        Assert.Equal(FirstCommit, DeploymentFileEnvironment()["BALLAST_COMMIT"]!.GetValue<string>());
        Assert.Equal((Pushed, FirstCommit), await ActiveVersionAsync());
    }

    [Fact]
    public async Task Deploy_AnImageBuiltEarlierWithACommit_DeliversThatCommit()
    {
        var (config, pipeline, _) = await WithReleaseBuiltFromFirstCommitAsync();
        Assert.Equal(DeployOutcome.Deployed, (await pipeline.DeployAsync(config, new DeployRequest("api"), new RecordingReporter(), CancellationToken.None)).Outcome);

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), new RecordingReporter(), CancellationToken.None);

        Assert.Equal((DeployOutcome.Deployed, FirstCommit), (record.Outcome, record.Commit));
        Assert.Equal((Pushed, FirstCommit), await ActiveVersionAsync());
    }

    [Fact]
    public async Task Deploy_AwsCallThatHangs_IsStoppedAtCallTimeout_AndTheDeployRefused()
    {
        var config = await ConfigAsync(lightsail: "      call_timeout: 1s");
        var (pipeline, _) = await PipelineAsync(config);
        State(s => s["hang"] = "get-container-services");
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), new RecordingReporter(), patience.Token);

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        Assert.Contains("aws lightsail get-container-services did not finish within 1s (lightsail.call_timeout); it was stopped",
            record.Steps.Single(s => s.Name == "spec").Detail, StringComparison.Ordinal);
        Assert.Equal(Stale, DeploymentFileImage());
    }

    [Fact]
    public async Task Deploy_AwsCallThatHangs_IsStoppedWhenBallastsClockReachesCallTimeout()
    {
        var config = await ConfigAsync(lightsail: "      call_timeout: 10m");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var (pipeline, _) = await PipelineAsync(config, clock);
        State(s => s["hang"] = "get-container-services");
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var deploy = pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), new RecordingReporter(), patience.Token);
        // The clock moves only once the call hangs, so no earlier call (slow on a loaded machine) reaches its own timeout.
        while (!File.Exists(Path.Combine(_state, "hanging")))
        {
            if (deploy.IsCompleted) Assert.Fail($"the deploy ended before the call hung: {(await deploy).Outcome}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), patience.Token);
        }
        // The timeout is Ballast's clock's, not the machine's: ten minutes pass on it, none on the wall.
        while (!deploy.IsCompleted && !patience.IsCancellationRequested)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(deploy, Task.Delay(TimeSpan.FromMilliseconds(100), patience.Token));
        }
        var record = await deploy;

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        Assert.Contains("aws lightsail get-container-services did not finish within 10m (lightsail.call_timeout); it was stopped",
            record.Steps.Single(s => s.Name == "spec").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_FailedDeployment_RollsBackToTheLastVerifiedRelease_AndRestoresTheFile()
    {
        var (config, pipeline) = await WithGoodReleaseAsync();
        State(s => s["fail_next"] = true);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.RolledBack, reporter.Text);
        Assert.Equal(Stale, record.RolledBackTo);
        Assert.Contains("FAILED", record.Steps.Single(s => s.Name == "rollout").Detail, StringComparison.Ordinal);
        Assert.Contains($"{Stale} is still serving; nothing to roll out", reporter.Text, StringComparison.Ordinal);
        Assert.Equal(StepOutcome.Passed, record.Steps.Single(s => s.Name == "rollback verify").Outcome);
        Assert.Equal(Stale, DeploymentFileImage());
    }

    [Theory]
    [InlineData("version")]
    [InlineData("cors")]
    [InlineData("ready")]
    public async Task Deploy_VerificationFailure_IsNamed_AndRolledBack(string fault)
    {
        var (config, pipeline) = await WithGoodReleaseAsync();
        switch (fault)
        {
            case "version": _reportRelease = Stale; break;
            case "cors": _corslessImage = Pushed; break;
            default: _unreadyImage = Pushed; break;
        }
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.RolledBack, reporter.Text);
        var verify = record.Steps.Single(s => s.Name == "verify");
        Assert.Equal(StepOutcome.Failed, verify.Outcome);
        Assert.Contains(fault switch
        {
            "version" => $"version: [BODY].release == \"{Pushed}\" failed",
            "cors" => "cors https://app.example.com: [HEADER].access-control-allow-origin == \"https://app.example.com\" failed",
            _ => "ready: [STATUS] == 200 failed: got 503",
        }, verify.Detail, StringComparison.Ordinal);
        Assert.Equal(Stale, record.RolledBackTo);
        Assert.Contains("create-container-service-deployment", Calls.Split('\n').Last(l => l.Contains("create-container", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(Stale, DeploymentFileImage());
    }

    [Fact]
    public async Task Deploy_ChecklistCommandFails_IsRefused_WithItsOutput_BeforeAnythingChanges()
    {
        var config = await ConfigAsync(checklist: "{ pre: ['echo 3 migrations pending', 'exit 3'] }");
        var (pipeline, _) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        // The history keeps what the commands printed above the reason, as the reporter showed it.
        var checklist = record.Steps.Single(s => s.Name == "checklist").Detail!.Split('\n');
        Assert.Equal("\"exit 3\" exited with 3", checklist[^1]);
        Assert.Contains("  3 migrations pending", checklist);
        Assert.Contains("      3 migrations pending", reporter.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("push-container-image", Calls, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_Interrupted_IsRecordedAsRefused_AndReleasesTheLock()
    {
        var config = await ConfigAsync(checklist: "{ pre: ['sleep 30'] }");
        var (pipeline, store) = await PipelineAsync(config);
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), new RecordingReporter(), interrupt.Token);

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        Assert.Equal(DeployOutcome.Refused, (await store.HistoryAsync("api", 1, CancellationToken.None))[0].Outcome);
        Assert.Null(await store.TryLockAsync("api", "next", DateTimeOffset.UnixEpoch, CancellationToken.None));
    }

    [Fact]
    public async Task Deploy_PostLogPhraseNeverAppears_RollsBack()
    {
        var (_, _) = await WithGoodReleaseAsync();
        var config = await ConfigAsync(checklist: "{ post_log: Listening on port 3697, post_log_timeout: 300ms }");
        var (pipeline, _) = await PipelineAsync(config);
        State(s => s["logs"] = new JsonArray("Starting Nest application"));

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), new RecordingReporter(), CancellationToken.None);

        Assert.Equal(DeployOutcome.RolledBack, record.Outcome);
        Assert.Equal($"\"Listening on port 3697\" did not appear in {Pushed}'s logs within 300ms", record.Steps.Single(s => s.Name == "post_log").Detail);
    }

    [Fact]
    public async Task Deploy_OnFailureStop_LeavesTheFailedReleaseAlone()
    {
        var (_, _) = await WithGoodReleaseAsync();
        var config = await ConfigAsync(onFailure: "stop");
        var (pipeline, _) = await PipelineAsync(config);
        _unreadyImage = Pushed;

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), new RecordingReporter(), CancellationToken.None);

        Assert.Equal(DeployOutcome.Failed, record.Outcome);
        Assert.DoesNotContain(record.Steps, s => s.Name.StartsWith("rollback", StringComparison.Ordinal));
        Assert.Equal(Pushed, DeploymentFileImage());
    }

    [Fact]
    public async Task Deploy_EnvironmentMissingAContractVariable_IsRefused_BeforeAnythingChanges()
    {
        var config = await ConfigAsync(withBudget: false);
        var (pipeline, _) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), reporter, CancellationToken.None);

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        Assert.Contains("AI_MAX_TOKENS_CHAT is missing", record.Steps.Single(s => s.Name == "contract").Detail, StringComparison.Ordinal);
        Assert.Equal(Stale, DeploymentFileImage());
        Assert.DoesNotContain("create-container-service-deployment", Calls, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_LockHeldByALiveDeploy_IsReported_AndBrokenOnlyWithForceUnlock()
    {
        var config = await ConfigAsync();
        var (pipeline, store) = await PipelineAsync(config);
        var now = TimeProvider.System.GetUtcNow();
        var renewed = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(-30);
        Assert.Null(await store.TryLockAsync("api", "ci@builder (pid 4242)", renewed, CancellationToken.None));

        var refused = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), new RecordingReporter(), CancellationToken.None);
        Assert.Equal(DeployOutcome.Refused, refused.Outcome);
        Assert.Equal($"api is being deployed by ci@builder (pid 4242) (lock last renewed {renewed:u}); if that deploy crashed, its lock lapses at " +
                     $"{renewed.AddMinutes(5):u} (lock_ttl), or break it now with --force-unlock", refused.Steps.Single(s => s.Name == "lock").Detail);

        var forced = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed, ForceUnlock: true), new RecordingReporter(), CancellationToken.None);
        Assert.Equal(DeployOutcome.Deployed, forced.Outcome);
        Assert.Null(await store.TryLockAsync("api", "next", now, CancellationToken.None)); // released when the deploy ended
    }

    [Fact]
    public async Task Deploy_LockOfACrashedDeploy_LapsesAfterLockTtl_AndIsTakenOver()
    {
        var config = await ConfigAsync(service: "    lock_ttl: 2m");
        var (pipeline, store) = await PipelineAsync(config);
        // A deployer that was killed 3 minutes ago: it stopped renewing its lock then.
        Assert.Null(await store.TryLockAsync("api", "ci@builder (pid 4242)", TimeProvider.System.GetUtcNow().AddMinutes(-3), CancellationToken.None));
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        Assert.Contains("the lock of ci@builder (pid 4242) lapsed", record.Steps.Single(s => s.Name == "lock").Detail, StringComparison.Ordinal);
        Assert.Null(await store.TryLockAsync("api", "next", TimeProvider.System.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task Deploy_WhileRunning_RenewsItsLock_SoItNeverLapses()
    {
        var config = await ConfigAsync(checklist: "{ pre: ['sleep 6'] }", service: "    lock_ttl: 3s");
        var (pipeline, store) = await PipelineAsync(config);

        var reporter = new RecordingReporter();
        var deploy = pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), reporter, CancellationToken.None);

        // Another deployer looks at the lock while the checklist runs: it is held, and renewed after it was taken.
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !reporter.Text.Contains("… checklist", StringComparison.Ordinal); await Task.Delay(50))
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1) && !deploy.IsCompleted, reporter.Text);
        DeployLock? first = null;
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            var held = await store.TryLockAsync("api", "observer", TimeProvider.System.GetUtcNow(), CancellationToken.None);
            Assert.True(held is not null, "the lock was free while the deploy ran");
            first ??= held;
            if (held.Since > first.Since) break;
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1) && !deploy.IsCompleted, "the lock was never renewed");
        }
        Assert.Equal(DeployOutcome.Deployed, (await deploy).Outcome);
    }

    /// <summary>
    /// The real store, except that renewing the lock throws what a driver throws when it cancels a command itself
    /// (an <see cref="OperationCanceledException"/> nobody asked for); <paramref name="signal"/> is created then.
    /// </summary>
    private sealed class RenewalCancelledByTheDriver(IDeployStore inner, string signal) : IDeployStore
    {
        public Task<bool> RenewLockAsync(string service, string holder, DateTimeOffset now, CancellationToken cancellationToken)
        {
            File.WriteAllText(signal, "");
            throw new OperationCanceledException("the driver cancelled the command");
        }

        public Task<DeployLock?> TryLockAsync(string service, string holder, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.TryLockAsync(service, holder, now, cancellationToken);
        public Task UnlockAsync(string service, string holder, CancellationToken cancellationToken) => inner.UnlockAsync(service, holder, cancellationToken);
        public Task ForceUnlockAsync(string service, CancellationToken cancellationToken) => inner.ForceUnlockAsync(service, cancellationToken);
        public Task<long> AddAsync(DeployRecord record, CancellationToken cancellationToken) => inner.AddAsync(record, cancellationToken);
        public Task UpdateAsync(DeployRecord record, CancellationToken cancellationToken) => inner.UpdateAsync(record, cancellationToken);
        public Task<IReadOnlyList<DeployRecord>> HistoryAsync(string service, int limit, CancellationToken cancellationToken) =>
            inner.HistoryAsync(service, limit, cancellationToken);
        public Task<string?> CommitOfAsync(string service, string release, CancellationToken cancellationToken) =>
            inner.CommitOfAsync(service, release, cancellationToken);
        public Task<DeployRecord?> LastDeployedAsync(string service, string? release, string? otherThan, CancellationToken cancellationToken) =>
            inner.LastDeployedAsync(service, release, otherThan, cancellationToken);
        public Task AddBackupAsync(long deployId, string service, SpecBackup backup, DateTimeOffset at, CancellationToken cancellationToken) =>
            inner.AddBackupAsync(deployId, service, backup, at, cancellationToken);
        public Task<IReadOnlyList<StoredBackup>> BackupsAsync(string service, int limit, CancellationToken cancellationToken) =>
            inner.BackupsAsync(service, limit, cancellationToken);
        public Task<IReadOnlyList<DeployRecord>> StartedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
            inner.StartedBetweenAsync(from, to, cancellationToken);
        public Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken) => inner.ServicesAsync(cancellationToken);
        public Task<IReadOnlyList<DeployCount>> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);
        public Task<long> PruneAsync(string service, int keepRecords, int keepReleases, CancellationToken cancellationToken) =>
            inner.PruneAsync(service, keepRecords, keepReleases, cancellationToken);
    }

    [Fact]
    public async Task Deploy_WhoseLockRenewalTheStoreCancelled_FinishesAndReleasesItsLock()
    {
        // The checklist runs until the heartbeat has tried to renew the lock (a third of lock_ttl in).
        var config = await ConfigAsync(checklist: "{ pre: ['while [ ! -e renewal-tried ]; do sleep 0.05; done'] }", service: "    lock_ttl: 3s");
        var (pipeline, store) = await PipelineAsync(config, faults: real => new RenewalCancelledByTheDriver(real, _dir.File("renewal-tried")));
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        Assert.Null(await store.TryLockAsync("api", "next", TimeProvider.System.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task Deploy_WhoseLockAnotherDeployTookOver_FailsItsNextStep_AndLeavesTheOthersLock()
    {
        var config = await ConfigAsync(checklist: "{ pre: ['sleep 8'] }", service: "    lock_ttl: 3s");
        var (pipeline, store) = await PipelineAsync(config);
        var reporter = new RecordingReporter();
        var deploy = pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), reporter, CancellationToken.None);

        // While the checklist runs, another deployer breaks the lock (--force-unlock) and takes it.
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !reporter.Text.Contains("… checklist", StringComparison.Ordinal); await Task.Delay(50))
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1) && !deploy.IsCompleted, reporter.Text);
        await store.ForceUnlockAsync("api", CancellationToken.None);
        Assert.Null(await store.TryLockAsync("api", "ci@other", TimeProvider.System.GetUtcNow(), CancellationToken.None));

        var record = await deploy;

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        var failed = record.Steps.Single(s => s.Outcome == StepOutcome.Failed);
        Assert.NotEqual("checklist", failed.Name);
        Assert.Contains("this deploy lost the lock of api", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(Stale, DeploymentFileImage());
        Assert.Equal("ci@other", (await store.TryLockAsync("api", "next", TimeProvider.System.GetUtcNow(), CancellationToken.None))?.Holder);
    }

    [Fact]
    public async Task Deploy_LightsailctlMissing_IsRefusedAtPreflight_WithHowToInstallIt()
    {
        File.Delete(Path.Combine(_state, "bin", "lightsailctl"));
        var config = await ConfigAsync();
        var (pipeline, _) = await PipelineAsync(config);

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), new RecordingReporter(), CancellationToken.None);

        Assert.Equal(DeployOutcome.Refused, record.Outcome);
        Assert.Contains("lightsailctl) is not installed: see https://lightsail.aws.amazon.com/ls/docs/en_us/articles/amazon-lightsail-install-software",
            record.Steps.Single(s => s.Name == "preflight").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_Throttled_RetriesAndSucceeds()
    {
        var config = await ConfigAsync();
        var (pipeline, _) = await PipelineAsync(config);
        State(s => s["throttle"] = 2);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);

        Assert.True(record.Outcome == DeployOutcome.Deployed, reporter.Text);
        Assert.Equal(2, reporter.Lines.Count(l => l.StartsWith("    aws lightsail", StringComparison.Ordinal) && l.Contains("throttled, retrying", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DryRun_ShowsTheChange_WritesNothing()
    {
        var config = await ConfigAsync();
        var (pipeline, store) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var record = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed, DryRun: true), reporter, CancellationToken.None);

        Assert.Equal(DeployOutcome.DryRun, record.Outcome);
        Assert.Contains($"image: {Stale} → {Pushed}", reporter.Text, StringComparison.Ordinal);
        Assert.Equal(Stale, DeploymentFileImage());
        Assert.DoesNotContain("create-container-service-deployment", Calls, StringComparison.Ordinal);
        Assert.Empty(await store.HistoryAsync("api", 5, CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
        foreach (var services in _containers) await services.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>What the person watching would see; read by a test while the deploy runs.</summary>
    private sealed class RecordingReporter : IDeployReporter
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines) return _lines.ToArray();
            }
        }

        public string Text => string.Join('\n', Lines);
        public void Started(string step) => Add($"… {step}");
        public void Finished(DeployStep step) => Add($"{step.Outcome} {step.Name}: {step.Detail}");
        public void Detail(string line) => Add("    " + line);

        private void Add(string line)
        {
            lock (_lines) _lines.Add(line);
        }
    }
}
