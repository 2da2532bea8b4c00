using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ballast.Core.Config;
using CliWrap;
using CliWrap.Buffered;
using CliWrap.Builders;
using Polly;
using Polly.Retry;

namespace Ballast.Core.Deploy.Providers;

/// <summary>
/// The <c>lightsail</c> provider: an AWS Lightsail container service, driven through the AWS CLI v2 (and its
/// lightsailctl plugin for pushes). The image deployed is the one the push itself names; the deployment file kept in
/// the user's repository is rewritten from it, with a timestamped backup, and never trusted for the image.
/// </summary>
public sealed partial class LightsailProvider(TimeProvider time, LightsailProviderOptions options) : DeployProvider<LightsailServiceConfig>
{
    private readonly IReadOnlyDictionary<string, string?>? _environment = options.Environment;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private const int ThrottleRetries = 4;

    private string? Variable(string name) => _environment is not null && _environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);

    /// <summary>The executable: a path (relative to ballast.yaml) or a name looked up on PATH.</summary>
    private string? Find(string tool, DeployContext context)
    {
        if (tool.Contains('/', StringComparison.Ordinal)) return File.Exists(context.Resolve(tool)) ? context.Resolve(tool) : null;
        return (Variable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
    }

    protected override async Task<IReadOnlyList<string>> PreflightAsync(DeployContext context, LightsailServiceConfig lightsail, bool building,
        CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (Find(lightsail.AwsCli, context) is not { } aws)
            problems.Add($"the AWS CLI v2 ({lightsail.AwsCli}) is not installed: see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html");
        else
        {
            var version = await WithinAsync(lightsail.CallTimeout, "aws --version", "call_timeout", token =>
                Cli.Wrap(aws).WithArguments(["--version"]).WithEnvironmentVariables(Env).WithValidation(CommandResultValidation.None)
                    .ExecuteBufferedAsync(token), cancellationToken);
            if (!(version.StandardOutput + version.StandardError).StartsWith("aws-cli/2.", StringComparison.Ordinal))
                problems.Add($"{aws} is not the AWS CLI v2 ({(version.StandardOutput + version.StandardError).Trim()}); Lightsail containers need v2");
        }
        if (building && context.Config.Build is not null)
        {
            if (Find("lightsailctl", context) is null)
                problems.Add("the Lightsail Control plugin (lightsailctl) is not installed: see https://lightsail.aws.amazon.com/ls/docs/en_us/articles/amazon-lightsail-install-software");
            if (Find("docker", context) is null) problems.Add("docker is not installed (it builds and pushes the image): see https://docs.docker.com/engine/install/");
            if (context.Config.Build.Image is null) problems.Add("build.image is not set: the local image to push");
        }
        if (!File.Exists(context.Resolve(lightsail.DeploymentFile)))
            problems.Add($"deployment_file {context.Resolve(lightsail.DeploymentFile)} does not exist (the create-container-service-deployment JSON)");
        return problems;
    }

    private void Env(EnvironmentVariablesBuilder builder)
    {
        if (_environment is null) return;
        foreach (var (name, value) in _environment) builder.Set(name, value);
    }

    /// <summary>
    /// Runs <c>aws lightsail COMMAND ...</c> with JSON output, each call bounded by <c>call_timeout</c> (the push by
    /// <c>push_timeout</c>); retries throttling with backoff; throws with the CLI's own message.
    /// </summary>
    private async Task<string> AwsAsync(DeployContext context, LightsailServiceConfig lightsail, string command, IEnumerable<string> arguments,
        CancellationToken cancellationToken)
    {
        var aws = Find(lightsail.AwsCli, context) ?? throw new DeployException($"{lightsail.AwsCli} is not installed");
        var (timeout, key) = command == "push-container-image" ? (lightsail.PushTimeout, "push_timeout") : (lightsail.CallTimeout, "call_timeout");
        var throttling = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<ThrottledException>(),
            MaxRetryAttempts = ThrottleRetries,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(500),
            UseJitter = false,
            OnRetry = _ =>
            {
                context.Reporter.Detail($"aws lightsail {command}: throttled, retrying");
                return default;
            },
        }).Build();
        try
        {
            return await throttling.ExecuteAsync(async token =>
            {
                var result = await WithinAsync(timeout, $"aws lightsail {command}", key, t => Cli.Wrap(aws)
                    .WithArguments(["lightsail", command, .. arguments, "--region", lightsail.Region, "--output", "json"])
                    .WithWorkingDirectory(context.BaseDirectory)
                    .WithEnvironmentVariables(Env)
                    .WithValidation(CommandResultValidation.None)
                    .ExecuteBufferedAsync(Encoding.UTF8, t), token);
                if (result.ExitCode == 0) return result.StandardOutput;
                var error = result.StandardError.Trim();
                var message = $"aws lightsail {command} failed (exit {result.ExitCode}): {(error.Length > 0 ? error : result.StandardOutput.Trim())}";
                throw error.Contains("(ThrottlingException)", StringComparison.Ordinal) ? new ThrottledException(message) : new DeployException(message);
            }, cancellationToken);
        }
        catch (ThrottledException e)
        {
            throw new DeployException(e.Message);
        }
    }

    /// <summary>Runs a call of the AWS CLI for at most <paramref name="timeout"/>; one that hangs is killed and named.</summary>
    private async Task<BufferedCommandResult> WithinAsync(TimeSpan timeout, string what, string key, Func<CancellationToken, CommandTask<BufferedCommandResult>> call,
        CancellationToken cancellationToken)
    {
        // On Ballast's clock, like every other timeout, so a test's clock decides when a call is given up.
        using var limit = new CancellationTokenSource(timeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return await call(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeployException($"{what} did not finish within {Config.Duration.Format(timeout)} (lightsail.{key}); it was stopped");
        }
    }

    private sealed class ThrottledException(string message) : Exception(message);

    protected override async Task<string> BuildAsync(DeployContext context, LightsailServiceConfig lightsail, string nextRelease, CancellationToken cancellationToken)
    {
        var build = context.Config.Build!;
        if (build.Command is { } command) await Shell.RunAsync(context, command, cancellationToken);
        var label = build.Label ?? context.Service;
        var pushed = await AwsAsync(context, lightsail, "push-container-image",
            ["--service-name", lightsail.Service, "--label", label, "--image", build.Image!], cancellationToken);
        // The reference comes from the push's own output, never from a file that may be stale.
        var reference = PushedReference().Match(pushed);
        if (!reference.Success) throw new DeployException($"push-container-image did not say how to refer to the image; it printed: {pushed.Trim()}");
        context.Reporter.Detail($"pushed {build.Image} as {reference.Groups[1].Value}");
        return reference.Groups[1].Value;
    }

    [GeneratedRegex("Refer to this image as \"([^\"]+)\" in deployments\\.")]
    private static partial Regex PushedReference();

    protected override Task<ServiceContract?> ContractAsync(DeployContext context, LightsailServiceConfig lightsail, string release,
        CancellationToken cancellationToken) =>
        Task.FromResult<ServiceContract?>(null);

    protected override async Task<SpecChange> UpdateSpecAsync(DeployContext context, LightsailServiceConfig lightsail, string release,
        IReadOnlyDictionary<string, string> env, bool dryRun, CancellationToken cancellationToken)
    {
        var path = context.Resolve(lightsail.DeploymentFile);
        var text = await File.ReadAllTextAsync(path, cancellationToken);
        JsonObject spec;
        try
        {
            spec = JsonNode.Parse(text)?.AsObject() ?? throw new DeployException($"{path} is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new DeployException($"{path} is not a JSON object: {e.Message}");
        }
        var containers = spec["containers"] as JsonObject ?? throw new DeployException($"{path} has no \"containers\" object");
        var container = containers[lightsail.Container] as JsonObject
                        ?? throw new DeployException($"{path} has no container \"{lightsail.Container}\" under \"containers\" (it has {string.Join(", ", containers.Select(c => c.Key))})");

        var lines = new List<string>();
        var oldImage = container["image"]?.GetValue<string>();
        lines.Add(oldImage == release ? $"image: {release} (unchanged)" : $"image: {oldImage ?? "(none)"} → {release}");
        var oldEnv = (container["environment"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") ?? [];
        // The file in the repository keeps each secret as the reference it was written as; the values exist only in
        // the temporary file a rollout hands to the AWS CLI.
        var kept = env.ToDictionary(p => p.Key, p => context.Secrets.Reference(p.Key, p.Value), StringComparer.Ordinal);
        foreach (var name in kept.Keys.Order(StringComparer.Ordinal))
            if (!oldEnv.TryGetValue(name, out var old)) lines.Add($"+ env {name}=***");
            else if (old != kept[name]) lines.Add($"~ env {name}=***");
        foreach (var name in oldEnv.Keys.Where(n => !env.ContainsKey(n)).Order(StringComparer.Ordinal)) lines.Add($"- env {name}");
        var liveScale = await ScaleAsync(context, lightsail, cancellationToken);
        if (liveScale != context.Config.Scale) lines.Add($"scale: {liveScale?.ToString(CultureInfo.InvariantCulture) ?? "?"} → {context.Config.Scale}");

        spec["serviceName"] = lightsail.Service;
        container["image"] = release;
        container["environment"] = new JsonObject(kept.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        if (spec["publicEndpoint"] is JsonObject endpoint)
        {
            if (endpoint["healthCheck"] is not JsonObject health) endpoint["healthCheck"] = health = [];
            if (health["path"]?.GetValue<string>() != lightsail.HealthPath)
                lines.Add($"health check path: {health["path"]?.GetValue<string>() ?? "/"} → {lightsail.HealthPath}");
            health["path"] = lightsail.HealthPath;
        }
        if (dryRun) return new SpecChange(lines);

        var backups = Path.Combine(context.BaseDirectory, ".ballast", "backups", context.Service);
        Directory.CreateDirectory(backups);
        var backup = Path.Combine(backups, $"{Path.GetFileNameWithoutExtension(path)}.{time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}.json");
        // A file written before references were kept (or by hand) may hold values: what is kept of it is sealed.
        var sealedText = SpecSealing.Seal(text, context.Sealer ?? throw new InvalidOperationException("a deploy that rewrites a spec needs the key ring (DeployContext.Sealer)"));
        await File.WriteAllTextAsync(backup, sealedText, cancellationToken);
        foreach (var old in Directory.GetFiles(backups, Path.GetFileNameWithoutExtension(path) + ".*.json").Order(StringComparer.Ordinal).SkipLast(context.Config.KeepReleases))
            File.Delete(old);
        await File.WriteAllTextAsync(path + ".tmp", spec.ToJsonString(Indented) + "\n", cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
        lines.Add($"{path} rewritten; the previous one kept as {backup}");
        return new SpecChange(lines, new SpecBackup(path, sealedText));
    }

    private async Task<JsonElement> ServiceAsync(DeployContext context, LightsailServiceConfig lightsail, CancellationToken cancellationToken)
    {
        var json = await AwsAsync(context, lightsail, "get-container-services", ["--service-name", lightsail.Service], cancellationToken);
        return JsonDocument.Parse(json).RootElement.GetProperty("containerServices")[0];
    }

    private async Task<int?> ScaleAsync(DeployContext context, LightsailServiceConfig lightsail, CancellationToken cancellationToken) =>
        (await ServiceAsync(context, lightsail, cancellationToken)).TryGetProperty("scale", out var scale) ? scale.GetInt32() : null;

    protected override async Task RolloutAsync(DeployContext context, LightsailServiceConfig lightsail, string release, IReadOnlyDictionary<string, string> env,
        CancellationToken cancellationToken)
    {
        if (await ScaleAsync(context, lightsail, cancellationToken) != context.Config.Scale)
            await AwsAsync(context, lightsail, "update-container-service",
                ["--service-name", lightsail.Service, "--scale", context.Config.Scale.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        JsonElement created;
        var resolved = await ResolvedSpecAsync(context, lightsail, env, cancellationToken);
        try
        {
            created = JsonDocument.Parse(await AwsAsync(context, lightsail, "create-container-service-deployment",
                ["--cli-input-json", "file://" + resolved], cancellationToken)).RootElement;
        }
        finally
        {
            File.Delete(resolved);
        }
        var version = created.GetProperty("containerService").GetProperty("nextDeployment").GetProperty("version").GetInt32();
        context.Reporter.Detail($"deployment {version} created; waiting for it to become ACTIVE");

        var started = time.GetTimestamp();
        while (true)
        {
            await Task.Delay(lightsail.PollInterval, time, cancellationToken);
            var deployments = JsonDocument.Parse(await AwsAsync(context, lightsail, "get-container-service-deployments", ["--service-name", lightsail.Service], cancellationToken))
                .RootElement.GetProperty("deployments");
            var state = deployments.EnumerateArray().FirstOrDefault(d => d.GetProperty("version").GetInt32() == version) is { ValueKind: JsonValueKind.Object } d
                ? d.GetProperty("state").GetString()
                : null;
            switch (state)
            {
                case "ACTIVE":
                    context.Reporter.Detail($"deployment {version} ACTIVE after {time.GetElapsedTime(started).TotalSeconds:0}s");
                    return;
                case "FAILED":
                    var logs = await LogsAsync(context, lightsail, release, cancellationToken);
                    throw new DeployException($"deployment {version} FAILED (Lightsail keeps the previous deployment serving)" +
                                              (logs.Count > 0 ? $"; the container's last lines: {string.Join(" | ", logs.TakeLast(5))}" : ""));
            }
            if (time.GetElapsedTime(started) > lightsail.Timeout)
                throw new DeployException($"deployment {version} still {state ?? "missing"} after {Config.Duration.Format(lightsail.Timeout)}");
        }
    }

    /// <summary>
    /// The deployment file with the values the release is deployed with, in a temporary file only its owner can read
    /// (0600); the caller deletes it once the AWS CLI has read it, whatever happens.
    /// </summary>
    private static async Task<string> ResolvedSpecAsync(DeployContext context, LightsailServiceConfig lightsail, IReadOnlyDictionary<string, string> env,
        CancellationToken cancellationToken)
    {
        var path = context.Resolve(lightsail.DeploymentFile);
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken))?.AsObject() ?? throw new DeployException($"{path} is empty");
        if (spec["containers"]?[lightsail.Container] is not JsonObject container) throw new DeployException($"{path} has no container \"{lightsail.Container}\"");
        container["environment"] = new JsonObject(env.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        var resolved = Path.Combine(Path.GetTempPath(), $"ballast-{context.Service}-{Guid.NewGuid():N}.json");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            await using var file = new FileStream(resolved, options);
            await file.WriteAsync(Encoding.UTF8.GetBytes(spec.ToJsonString(Indented)), cancellationToken);
        }
        catch
        {
            File.Delete(resolved);
            throw;
        }
        return resolved;
    }

    protected override async Task<string?> LiveReleaseAsync(DeployContext context, LightsailServiceConfig lightsail, CancellationToken cancellationToken)
    {
        var service = await ServiceAsync(context, lightsail, cancellationToken);
        return service.TryGetProperty("currentDeployment", out var current)
               && current.GetProperty("containers").TryGetProperty(lightsail.Container, out var container)
            ? container.GetProperty("image").GetString()
            : null;
    }

    protected override async Task<IReadOnlyList<string>> LogsAsync(DeployContext context, LightsailServiceConfig lightsail, string release,
        CancellationToken cancellationToken)
    {
        var json = await AwsAsync(context, lightsail, "get-container-log", ["--service-name", lightsail.Service, "--container-name", lightsail.Container], cancellationToken);
        return JsonDocument.Parse(json).RootElement.GetProperty("logEvents").EnumerateArray().Select(e => e.GetProperty("message").GetString() ?? "").ToArray();
    }

    protected override Uri? DefaultBaseUrl(DeployContext context, LightsailServiceConfig lightsail) => null;
}
