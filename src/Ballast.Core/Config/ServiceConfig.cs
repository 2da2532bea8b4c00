using System.ComponentModel;
using Ballast.Core.Conditions;

namespace Ballast.Core.Config;

/// <summary>Where a service runs; each is a deploy provider (docs/deploy.md).</summary>
public enum ProviderKind
{
    Process,
    Lightsail,
}

/// <summary>What a deploy does when a step after the rollout fails.</summary>
public enum OnFailure
{
    Rollback,
    Stop,
}

/// <summary>One entry of <c>services:</c>: a service Ballast deploys, verifies and rolls back.</summary>
public sealed record ServiceConfig : IValidatableConfig
{
    /// <summary>The variable Ballast sets to the release it deploys; <c>${BALLAST_RELEASE}</c> in verify conditions is that release.</summary>
    public const string ReleaseVariable = "BALLAST_RELEASE";

    [Description("process (replicas on this machine behind Ballast's proxy) or lightsail (AWS Lightsail container service).")]
    public required ProviderKind Provider
    {
        get => _provider;
        init
        {
            _provider = value;
            ProviderConfig = Choose(_provider, _process, _lightsail);
        }
    }

    [Description("Settings of the process provider.")]
    public ProcessServiceConfig? Process
    {
        get => _process;
        init
        {
            _process = value;
            ProviderConfig = Choose(_provider, _process, _lightsail);
        }
    }

    [Description("Settings of the lightsail provider.")]
    public LightsailServiceConfig? Lightsail
    {
        get => _lightsail;
        init
        {
            _lightsail = value;
            ProviderConfig = Choose(_provider, _process, _lightsail);
        }
    }

    private readonly ProviderKind _provider;
    private readonly ProcessServiceConfig? _process;
    private readonly LightsailServiceConfig? _lightsail;

    /// <summary>
    /// The section of the provider <c>provider:</c> names, chosen when the keys are read (at load, and again by a
    /// <c>with</c> that changes one), so no deploy step picks it again. Null only in a service the validator refuses.
    /// Deploy providers are keyed by its type.
    /// </summary>
    [ConfigIgnore]
    public ServiceProviderConfig? ProviderConfig { get; private init; }

    private static ServiceProviderConfig? Choose(ProviderKind provider, ProcessServiceConfig? process, LightsailServiceConfig? lightsail) => provider switch
    {
        ProviderKind.Process => process,
        ProviderKind.Lightsail => lightsail,
        _ => null,
    };

    [Description("Builds (and for lightsail pushes) the code to deploy; without it, deploys need --image.")]
    public BuildConfig? Build { get; init; }

    [Description("Replicas (process) or nodes (lightsail) to run.")]
    public int Scale { get; init; } = 1;

    [Description("The service's ballast.contract.json, relative to this file. For process services it defaults to asking the release itself (COMMAND --ballast-contract).")]
    public string? Contract { get; init; }

    [Description("Environment of the service's processes; values may be ${SECRET} references and are never shown.")]
    [Secret]
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    [Description("A KEY=VALUE file (relative to this file) read at deploy time; env entries win over it.")]
    public string? EnvFile { get; init; }

    [Description("Checks against the live service after the rollout; a deploy is done only when they all pass.")]
    public VerifyConfig Verify { get; init; } = new();

    [Description("Commands before anything changes, and the log line that proves the new release started.")]
    public ChecklistConfig Checklist { get; init; } = new();

    [Description("rollback (to the last release that passed verification) or stop (leave the failed release in place).")]
    public OnFailure OnFailure { get; init; } = OnFailure.Rollback;

    [Description("Releases kept (files for process, deployment-file backups for lightsail) so rollback needs no rebuild.")]
    public int KeepReleases { get; init; } = 5;

    [Description("A running deploy renews its lock every third of this; a lock not renewed for this long (its deployer crashed) lapses and the next deploy takes it over.")]
    public TimeSpan LockTtl { get; init; } = TimeSpan.FromMinutes(5);

    public void Validate(ConfigValidation validation)
    {
        if (ProviderConfig is null)
            validation.Error(ConfigShape.EnumKey(Provider), Provider switch
            {
                ProviderKind.Process => "provider process needs a process: section (command, artifact, listen)",
                ProviderKind.Lightsail => "provider lightsail needs a lightsail: section (service, region, container, deployment_file)",
                _ => $"provider {ConfigShape.EnumKey(Provider)} needs a {ConfigShape.EnumKey(Provider)}: section",
            });
        if (Provider != ProviderKind.Process && Process is not null) validation.Error("process", $"a process: section only applies to provider process (this service's provider is {ConfigShape.EnumKey(Provider)})");
        if (Provider != ProviderKind.Lightsail && Lightsail is not null) validation.Error("lightsail", $"a lightsail: section only applies to provider lightsail (this service's provider is {ConfigShape.EnumKey(Provider)})");
        if (Scale is < 1 or > 20) validation.Error("scale", "must be between 1 and 20");
        if (Provider == ProviderKind.Lightsail && Verify.BaseUrl is null)
            validation.Error("verify.base_url", "lightsail services need verify.base_url (the service's public URL or domain)");
        if (KeepReleases < 1) validation.Error("keep_releases", "must be at least 1");
        if (LockTtl < TimeSpan.FromSeconds(1)) validation.Error("lock_ttl", "must be at least 1s");
        foreach (var name in Env.Keys)
            if (!EnvironmentSubstitution.IsName(name)) validation.Error($"env.{name}", $"\"{name}\" is not an environment variable name (letters, digits and _, not starting with a digit)");
    }
}

/// <summary>
/// A provider's own section of a service (<c>process:</c>, <c>lightsail:</c>). Each deploy provider acts on one of
/// these types, as each probe and channel sender acts on one monitor or channel type.
/// </summary>
public abstract record ServiceProviderConfig;

/// <summary>The <c>process:</c> section: replicas of a command on free loopback ports behind a proxy on <c>listen</c>.</summary>
public sealed record ProcessServiceConfig : ServiceProviderConfig, IValidatableConfig
{
    [Description("The program to run, found on PATH or relative to the release folder (e.g. dotnet).")]
    public required string Command { get; init; }

    [Description("Its arguments; {port} is replaced by the replica's port (PORT is set in its environment too).")]
    public IReadOnlyList<string> Args { get; init; } = [];

    [Description("The folder holding the built app (relative to this file); each release keeps a copy of it.")]
    public required string Artifact { get; init; }

    [Description("The service's public address: Ballast's proxy listens here and forwards to the replicas.")]
    public required Uri Listen { get; init; }

    [Description("Path that answers 200 when a replica is ready; new replicas get traffic only after it does, and the proxy checks it every second.")]
    public string HealthPath { get; init; } = "/health/ready";

    [Description("Longest a new release's replicas may take to become ready before the rollout fails.")]
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    [Description("Longest to wait for in-flight requests on the old replicas before stopping them.")]
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    [Description("After SIGTERM, how long a replica may take to exit before it gets SIGKILL.")]
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public void Validate(ConfigValidation validation)
    {
        if (!HealthPath.StartsWith('/')) validation.Error("health_path", "must start with /");
        if (Listen.Scheme != Uri.UriSchemeHttp) validation.Error("listen", "must be an http:// address (put TLS in front of it)");
        if (StartupTimeout <= TimeSpan.Zero) validation.Error("startup_timeout", "must be more than 0s");
        if (DrainTimeout < TimeSpan.Zero) validation.Error("drain_timeout", "must be 0s or more");
        if (StopTimeout <= TimeSpan.Zero) validation.Error("stop_timeout", "must be more than 0s");
    }
}

/// <summary>The <c>lightsail:</c> section: an AWS Lightsail container service, driven through the AWS CLI.</summary>
public sealed record LightsailServiceConfig : ServiceProviderConfig, IValidatableConfig
{
    [Description("The container service's name.")]
    public required string Service { get; init; }

    [Description("Its AWS region (us-east-2).")]
    public required string Region { get; init; }

    [Description("The container's name inside the deployment.")]
    public required string Container { get; init; }

    [Description("The create-container-service-deployment JSON kept in your repository (relative to this file); Ballast rewrites it and keeps backups.")]
    public required string DeploymentFile { get; init; }

    [Description("Path of the public endpoint's health check written into the deployment.")]
    public string HealthPath { get; init; } = "/health/ready";

    [Description("Longest a deployment may take to become ACTIVE.")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    [Description("The aws executable (a path relative to this file, or a name on PATH).")]
    public string AwsCli { get; init; } = "aws";

    [Description("Time between get-container-service-deployments calls while a deployment is activating.")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    [Description("Longest one aws call may take (push-container-image excepted) before it is stopped and the step fails.")]
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(2);

    [Description("Longest aws lightsail push-container-image may take (it uploads the image).")]
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public void Validate(ConfigValidation validation)
    {
        if (!HealthPath.StartsWith('/')) validation.Error("health_path", "must start with /");
        if (CallTimeout <= TimeSpan.Zero) validation.Error("call_timeout", "must be more than 0s");
        if (PushTimeout <= TimeSpan.Zero) validation.Error("push_timeout", "must be more than 0s");
    }
}

/// <summary>The <c>build:</c> section.</summary>
public sealed record BuildConfig
{
    [Description("Shell command that builds the code (run with sh -c in this file's folder).")]
    public string? Command { get; init; }

    [Description("lightsail: the local image the command builds, pushed with push-container-image.")]
    public string? Image { get; init; }

    [Description("lightsail: the label the pushed image gets; process: the prefix of release names. Defaults to the service's name.")]
    public string? Label { get; init; }

    [Description("The commit the build builds, delivered as BALLAST_COMMIT (e.g. ${GIT_SHA}); defaults to git rev-parse HEAD in this file's folder.")]
    public string? Commit { get; init; }
}

/// <summary>The <c>verify:</c> section.</summary>
public sealed record VerifyConfig : IValidatableConfig
{
    [Description("Where the live service answers. Defaults to process.listen for process services.")]
    public Uri? BaseUrl { get; init; }

    [Description("How long the checks may take to all pass after the rollout.")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);

    [Description("Time between rounds of checks while some still fail.")]
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    [Description("Front-end origins that must get Access-Control-Allow-Origin from cors_path.")]
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    [Description("Path requested with each Origin header for the CORS check.")]
    public string CorsPath { get; init; } = "/v1/ping";

    [Description("Check that the ready endpoint answers 200 and /version reports the release just deployed and the deployed env's fingerprint.")]
    public bool Builtin { get; init; } = true;

    [Description("More checks, each a path with conditions in the monitor condition language; ${BALLAST_RELEASE} is the release deployed.")]
    public IReadOnlyList<VerifyCheckConfig> Checks { get; init; } = [];

    public void Validate(ConfigValidation validation)
    {
        if (Timeout <= TimeSpan.Zero) validation.Error("timeout", "must be more than 0s");
        if (Interval < TimeSpan.FromMilliseconds(100)) validation.Error("interval", "must be at least 100ms");
        if (!CorsPath.StartsWith('/')) validation.Error("cors_path", "must start with /");
    }
}

/// <summary>One entry of <c>verify.checks:</c>.</summary>
public sealed record VerifyCheckConfig : IValidatableConfig
{
    [Description("Path under base_url.")]
    public required string Path { get; init; }

    [Description("HTTP method.")]
    public string Method { get; init; } = "GET";

    [Description("Request headers.")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    [Description("All must pass; default [STATUS] == 200.")]
    public IReadOnlyList<Condition> Conditions { get; init; } = [];

    public void Validate(ConfigValidation validation)
    {
        if (!Path.StartsWith('/')) validation.Error("path", "must start with /");
    }
}

/// <summary>The <c>checklist:</c> section.</summary>
public sealed record ChecklistConfig
{
    [Description("Commands run (sh -c, in this file's folder) before anything changes; one failing stops the deploy.")]
    public IReadOnlyList<string> Pre { get; init; } = [];

    [Description("A phrase the new release must log (\"Application successfully started\").")]
    public string? PostLog { get; init; }

    [Description("How long after the rollout the post_log phrase may take to appear.")]
    public TimeSpan PostLogTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
