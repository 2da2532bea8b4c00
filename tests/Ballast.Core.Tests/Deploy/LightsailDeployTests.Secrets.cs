using System.Text;
using System.Text.Json.Nodes;
using Ballast.Core.Deploy;
using Ballast.Testing;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Core.Tests.Deploy;

/// <summary>Secrets at rest: what a Lightsail deploy leaves behind in the repository, the backups and the store.</summary>
public sealed partial class LightsailDeployTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Deploy_SecretValues_AreNowhereAtRest_AndARollbackStillRestoresAWorkingDeployment(string backend)
    {
        var storage = backend == "sqlite" ? "sqlite:ballast.db" : (await TestPostgres.CreateDatabaseAsync()).ToString();
        var id = Guid.NewGuid().ToString("N");
        var variable = $"BALLAST_TEST_DB_PASSWORD_{id[..8].ToUpperInvariant()}";
        var password = $"pw-{id}";
        var dsn = $"dsnkey{id[..16]}";
        Environment.SetEnvironmentVariable(variable, password);
        // The env file lives outside the repository, as a secrets file should; it is the user's, not Ballast's.
        using var secrets = new TempDirectory();
        File.WriteAllText(secrets.File("api.env"), $"SENTRY_DSN=https://{dsn}@sentry.example.com/1\n");
        // A deployment file written before references were kept: it holds the password in plain text.
        File.WriteAllText(_dir.File("lightsail-api-deployment.json"), $$"""
            { "serviceName": "api",
              "containers": { "api": { "image": "{{Stale}}", "environment": { "DATABASE_URL": "postgres://api:{{password}}@db/api" }, "ports": { "3697": "HTTP" } } },
              "publicEndpoint": { "containerName": "api", "containerPort": 3697, "healthCheck": { "path": "/health/live" } } }
            """);
        var config = await ConfigAsync(storage: storage, databaseUrl: $"'postgres://api:${{{variable}}}@db/api'",
            checklist: $"{{ pre: ['echo connecting with ${{{variable}}}'], post_log: Application successfully started, post_log_timeout: 5s }}",
            service: $"    env_file: '{secrets.File("api.env")}'");
        var (pipeline, store) = await PipelineAsync(config);
        var reporter = new RecordingReporter();

        var first = await pipeline.DeployAsync(config, new DeployRequest("api", Image: Stale), reporter, CancellationToken.None);
        var second = await pipeline.DeployAsync(config, new DeployRequest("api"), reporter, CancellationToken.None);
        var rollback = await pipeline.RollbackAsync(config, "api", to: null, forceUnlock: false, reporter, CancellationToken.None);

        Assert.True((first.Outcome, second.Outcome, rollback.Outcome) == (DeployOutcome.Deployed, DeployOutcome.Deployed, DeployOutcome.Deployed), reporter.Text);
        // The container got the values (the rollback's deployment is serving, verified), from a file nobody else could read, gone since.
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(_state, "state.json")))!;
        var active = state["deployments"]!.AsArray().Single(d => d!["state"]!.GetValue<string>() == "ACTIVE")!["containers"]!["api"]!;
        Assert.Equal((Stale, $"postgres://api:{password}@db/api", $"https://{dsn}@sentry.example.com/1"),
            (active["image"]!.GetValue<string>(), active["environment"]!["DATABASE_URL"]!.GetValue<string>(), active["environment"]!["SENTRY_DSN"]!.GetValue<string>()));
        var inputs = state["inputs"]!.AsArray().Select(i => (Path: i!["path"]!.GetValue<string>(), Mode: i["mode"]!.GetValue<string>())).ToArray();
        Assert.Equal(3, inputs.Length);
        Assert.All(inputs, i => Assert.Equal("0o600", i.Mode));
        Assert.All(inputs, i => Assert.False(File.Exists(i.Path), $"{i.Path} was left behind"));
        // The repository keeps the references.
        var kept = DeploymentFileEnvironment();
        Assert.Equal($"postgres://api:${{{variable}}}@db/api", kept["DATABASE_URL"]!.GetValue<string>());
        Assert.Equal("${SENTRY_DSN}", kept["SENTRY_DSN"]!.GetValue<string>());
        // Output that repeated a value was masked before it was shown and stored.
        Assert.Contains("connecting with ***", reporter.Text, StringComparison.Ordinal);

        // Nothing Ballast wrote holds a value: the repository (with .ballast/backups and, on SQLite, the database and its key ring) ...
        var found = Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(_state + Path.DirectorySeparatorChar, StringComparison.Ordinal)) // Lightsail's side of the call
            .SelectMany(f => new[] { password, dsn }.Where(secret => Contains(ReadIfPresent(f), secret)).Select(secret => $"{f}: {secret}")).ToArray();
        Assert.Empty(found);
        Assert.Contains(Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories), f => f.Contains(Path.Combine(".ballast", "backups", "api"), StringComparison.Ordinal));
        // ... and the PostgreSQL store.
        if (backend == "postgres")
        {
            var dump = await Cli.Wrap("pg_dump").WithArguments([storage.Replace("postgres://", "postgresql://", StringComparison.Ordinal)])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(Encoding.UTF8);
            Assert.True(dump.ExitCode == 0, dump.StandardError);
            Assert.Contains("data_protection_keys", dump.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("<key id=", dump.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(password, dump.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(dsn, dump.StandardOutput, StringComparison.Ordinal);
        }
        else
        {
            var keys = _dir.File("ballast.db.keys");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
            Assert.All(Directory.GetFiles(keys), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
            Assert.NotEmpty(Directory.GetFiles(keys, "*.xml"));
        }
        // The plain file from before is kept sealed, and opens again with the shared key ring.
        var oldest = (await store.BackupsAsync("api", 10, CancellationToken.None))[^1];
        Assert.Contains(SpecSealing.Prefix, oldest.Content, StringComparison.Ordinal);
        var sealer = _containers[^1].GetRequiredService<ISecretSealer>();
        Assert.Contains($"postgres://api:{password}@db/api", SpecSealing.Unseal(oldest.Content, sealer), StringComparison.Ordinal);
        Assert.Equal($"postgres://api:{password}@db/api", sealer.Unseal(JsonNode.Parse(oldest.Content)!["containers"]!["api"]!["environment"]!["DATABASE_URL"]!
            .GetValue<string>()[SpecSealing.Prefix.Length..]));
    }

    // SQLite removes its -wal and -shm files when the last connection closes, which may happen between listing and reading.
    private static byte[] ReadIfPresent(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    private static bool Contains(byte[] content, string secret) => content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0;

    [Fact]
    public async Task Rollout_CancelledWhileTheAwsCliHoldsTheResolvedFile_DeletesIt()
    {
        var config = await ConfigAsync(lightsail: "      call_timeout: 10m");
        var (pipeline, _) = await PipelineAsync(config);
        State(s => s["hang"] = "create-container-service-deployment");
        string[] Resolved() => Directory.GetFiles(Path.GetTempPath(), "ballast-api-*.json");
        var before = Resolved();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(patience.Token);

        var deploy = pipeline.DeployAsync(config, new DeployRequest("api", Image: Pushed), new RecordingReporter(), stop.Token);
        while (!File.Exists(Path.Combine(_state, "hanging")))
        {
            if (deploy.IsCompleted) Assert.Fail($"the deploy ended before the call hung: {(await deploy).Outcome}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), patience.Token);
        }
        var resolved = Assert.Single(Resolved().Except(before));
        var mode = File.GetUnixFileMode(resolved);
        await stop.CancelAsync();
        var record = await deploy;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Equal(DeployOutcome.Failed, record.Outcome);
        Assert.False(File.Exists(resolved), $"{resolved} outlived the cancelled call");
    }
}
