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
}

/// <summary>
/// Where a service runs (named strategies by <see cref="ProviderKind"/>). Methods throw <see cref="DeployException"/>
/// with a reason the user can act on.
/// </summary>
public interface IDeployProvider
{
    ProviderKind Kind { get; }

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
