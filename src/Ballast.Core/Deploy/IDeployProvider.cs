using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>What a spec update changed: lines for people (values masked), and the previous file when one was rewritten.</summary>
public sealed record SpecChange(IReadOnlyList<string> Lines, SpecBackup? Backup = null);

/// <summary>A provider's spec file as it was before a deploy rewrote it.</summary>
public sealed record SpecBackup(string File, string Content);

/// <summary>What a deploy step tells the person watching.</summary>
public interface IDeployReporter
{
    /// <summary>A step begins (shown as running until <see cref="Finished"/>).</summary>
    void Started(string step);

    void Finished(DeployStep step);

    /// <summary>A line of detail under the current step (a diff line, a check result, a command's output).</summary>
    void Detail(string line);
}

/// <summary>Everything a provider needs to act for one service.</summary>
public sealed record DeployContext(string Service, ServiceConfig Config, BallastConfig Ballast, IDeployReporter Reporter, TimeProvider Time)
{
    /// <summary>The folder of ballast.yaml; relative paths in the service's config are resolved against it.</summary>
    public string BaseDirectory => Path.GetDirectoryName(Ballast.SourcePath) ?? Directory.GetCurrentDirectory();

    public string Resolve(string path) => Path.GetFullPath(path, BaseDirectory);

    /// <summary>The environment releases are deployed with: <c>env_file</c>, then <c>env</c> (read once, at preflight).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>The service's secret values and their references: masked in what is shown and stored, kept as references in files.</summary>
    public ServiceSecrets Secrets { get; init; } = ServiceSecrets.None;

    /// <summary>Seals what is kept at rest (a spec file's backup), with the key ring the CLI and the server share.</summary>
    public ISecretSealer? Sealer { get; init; }
}

/// <summary>
/// Where a service runs. Providers are keyed by the type of the provider section they act on (<see cref="ConfigType"/>),
/// as probes and channel senders are by their config's type; <see cref="DeployProvider{TConfig}"/> hands each method
/// that section already typed. Methods throw <see cref="DeployException"/> with a reason the user can act on.
/// </summary>
public interface IDeployProvider
{
    /// <summary>The <see cref="ServiceProviderConfig"/> type of the services this provider deploys.</summary>
    Type ConfigType { get; }

    /// <summary>What this provider needs and lacks (a tool with how to install it, a server that does not answer); empty when ready.</summary>
    Task<IReadOnlyList<string>> PreflightAsync(DeployContext context, bool building, CancellationToken cancellationToken);

    /// <remarks><paramref name="nextRelease"/> is the name Ballast would give a new release (label.N), for providers that name their own.</remarks>
    Task<string> BuildAsync(DeployContext context, string nextRelease, CancellationToken cancellationToken);

    /// <summary>The contract of <paramref name="release"/> when the service names no contract file, or null when the provider cannot tell.</summary>
    Task<ServiceContract?> ContractAsync(DeployContext context, string release, CancellationToken cancellationToken);

    /// <summary>
    /// Rewrites the provider's spec for the release (unless <paramref name="dryRun"/>); returns the change, secret
    /// values masked, and the file as it was before when one was rewritten.
    /// </summary>
    Task<SpecChange> UpdateSpecAsync(DeployContext context, string release, IReadOnlyDictionary<string, string> env, bool dryRun,
        CancellationToken cancellationToken);

    /// <summary>Rolls the release out and waits until it is serving, or throws.</summary>
    Task RolloutAsync(DeployContext context, string release, IReadOnlyDictionary<string, string> env, CancellationToken cancellationToken);

    /// <summary>The release serving now, or null when none is (or the provider cannot tell).</summary>
    Task<string?> LiveReleaseAsync(DeployContext context, CancellationToken cancellationToken);

    /// <summary>What the release's processes logged so far.</summary>
    Task<IReadOnlyList<string>> LogsAsync(DeployContext context, string release, CancellationToken cancellationToken);

    /// <summary>Where the live service answers, for verification when verify.base_url is not set.</summary>
    Uri? DefaultBaseUrl(DeployContext context);
}

/// <summary>
/// Base for the provider of one section type: each step gets the service's <typeparamref name="TConfig"/> section as
/// well as its context, so no provider looks its own settings up again.
/// </summary>
public abstract class DeployProvider<TConfig> : IDeployProvider where TConfig : ServiceProviderConfig
{
    public Type ConfigType => typeof(TConfig);

    Task<IReadOnlyList<string>> IDeployProvider.PreflightAsync(DeployContext context, bool building, CancellationToken cancellationToken) =>
        PreflightAsync(context, Section(context), building, cancellationToken);

    Task<string> IDeployProvider.BuildAsync(DeployContext context, string nextRelease, CancellationToken cancellationToken) =>
        BuildAsync(context, Section(context), nextRelease, cancellationToken);

    Task<ServiceContract?> IDeployProvider.ContractAsync(DeployContext context, string release, CancellationToken cancellationToken) =>
        ContractAsync(context, Section(context), release, cancellationToken);

    Task<SpecChange> IDeployProvider.UpdateSpecAsync(DeployContext context, string release, IReadOnlyDictionary<string, string> env, bool dryRun,
        CancellationToken cancellationToken) =>
        UpdateSpecAsync(context, Section(context), release, env, dryRun, cancellationToken);

    Task IDeployProvider.RolloutAsync(DeployContext context, string release, IReadOnlyDictionary<string, string> env, CancellationToken cancellationToken) =>
        RolloutAsync(context, Section(context), release, env, cancellationToken);

    Task<string?> IDeployProvider.LiveReleaseAsync(DeployContext context, CancellationToken cancellationToken) =>
        LiveReleaseAsync(context, Section(context), cancellationToken);

    Task<IReadOnlyList<string>> IDeployProvider.LogsAsync(DeployContext context, string release, CancellationToken cancellationToken) =>
        LogsAsync(context, Section(context), release, cancellationToken);

    Uri? IDeployProvider.DefaultBaseUrl(DeployContext context) => DefaultBaseUrl(context, Section(context));

    /// <inheritdoc cref="IDeployProvider.PreflightAsync"/>
    protected abstract Task<IReadOnlyList<string>> PreflightAsync(DeployContext context, TConfig config, bool building, CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.BuildAsync"/>
    protected abstract Task<string> BuildAsync(DeployContext context, TConfig config, string nextRelease, CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.ContractAsync"/>
    protected abstract Task<ServiceContract?> ContractAsync(DeployContext context, TConfig config, string release, CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.UpdateSpecAsync"/>
    protected abstract Task<SpecChange> UpdateSpecAsync(DeployContext context, TConfig config, string release, IReadOnlyDictionary<string, string> env,
        bool dryRun, CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.RolloutAsync"/>
    protected abstract Task RolloutAsync(DeployContext context, TConfig config, string release, IReadOnlyDictionary<string, string> env,
        CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.LiveReleaseAsync"/>
    protected abstract Task<string?> LiveReleaseAsync(DeployContext context, TConfig config, CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.LogsAsync"/>
    protected abstract Task<IReadOnlyList<string>> LogsAsync(DeployContext context, TConfig config, string release, CancellationToken cancellationToken);

    /// <inheritdoc cref="IDeployProvider.DefaultBaseUrl"/>
    protected abstract Uri? DefaultBaseUrl(DeployContext context, TConfig config);

    // The pipeline chose this provider by the type of the service's section, so only a caller that skipped that
    // choice gets here with another one.
    private static TConfig Section(DeployContext context) =>
        context.Config.ProviderConfig as TConfig
        ?? throw new InvalidOperationException($"a provider of {typeof(TConfig).Name} sections was given service {context.Service}, whose provider is {ConfigShape.EnumKey(context.Config.Provider)}");
}
