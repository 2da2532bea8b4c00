using System.Text.RegularExpressions;
using Ballast.Core.Config;
using CliWrap;
using CliWrap.Buffered;

namespace Ballast.Core.Deploy;

/// <summary>
/// What a release's processes are told about themselves. A container or process knows only its environment and what
/// its build baked in, so the release (and the commit, when the build knows it) travel in the environment Ballast
/// deploys: <c>BALLAST_RELEASE</c> and <c>BALLAST_COMMIT</c>, which Ballast.AspNetCore's /version reports.
/// </summary>
public static partial class ReleaseIdentity
{
    /// <summary>The variable holding the commit the release was built from.</summary>
    public const string CommitVariable = "BALLAST_COMMIT";

    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The service's environment with the release's identity on top (the identity wins: it is what was deployed).</summary>
    public static IReadOnlyDictionary<string, string> Delivered(IReadOnlyDictionary<string, string> env, string release, string? commit)
    {
        var delivered = new Dictionary<string, string>(env, StringComparer.Ordinal) { [ServiceConfig.ReleaseVariable] = release };
        if (commit is not null) delivered[CommitVariable] = commit;
        else delivered.Remove(CommitVariable);
        return delivered;
    }

    /// <summary>
    /// The commit the build just built: <c>build.commit</c> when set, else <c>git rev-parse HEAD</c> in ballast.yaml's
    /// folder; null when neither tells (not a git work tree, git not installed).
    /// </summary>
    public static async Task<string?> CommitAsync(DeployContext context, CancellationToken cancellationToken)
    {
        if (context.Config.Build?.Commit is { } configured) return configured.Trim().Length > 0 ? configured.Trim() : null;
        using var limit = new CancellationTokenSource(GitTimeout, context.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            var result = await Cli.Wrap("git").WithArguments(["rev-parse", "HEAD"]).WithWorkingDirectory(context.BaseDirectory)
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
            var sha = result.StandardOutput.Trim();
            return result.ExitCode == 0 && Sha().IsMatch(sha) ? sha : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed: the build cannot tell its commit
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            context.Reporter.Detail($"git rev-parse HEAD did not answer within {Config.Duration.Format(GitTimeout)}; the release goes without {CommitVariable}");
            return null;
        }
    }

    [GeneratedRegex("^[0-9a-f]{40}([0-9a-f]{24})?$")]
    private static partial Regex Sha();
}
