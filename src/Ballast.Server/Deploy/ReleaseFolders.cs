using Ballast.Core.Deploy;

namespace Ballast.Server.Deploy;

/// <summary>
/// Where a process service's releases are kept: .ballast/releases/SERVICE/RELEASE next to ballast.yaml, each a copy of
/// the artifact folder (made by the deployer, <see cref="ReleaseFiles"/>) with its replicas' output in logs/. A kept
/// release rolls back without a rebuild.
/// </summary>
internal sealed class ReleaseFolders(string root, ILogger log)
{
    public string Root { get; } = root;

    private string Of(string release) => Path.Combine(Root, release);

    public IReadOnlyList<string> Kept() => Directory.Exists(Root)
        ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(n => !n.EndsWith(".partial", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray()
        : [];

    /// <summary>What the replicas of <paramref name="release"/> wrote to their log files, the newest 5,000 lines; none for a release not kept.</summary>
    public IReadOnlyList<string> Logs(string release)
    {
        if (Find(release) is not { } kept) return [];
        var logs = Path.Combine(Of(kept), "logs");
        return Directory.Exists(logs) ? Directory.GetFiles(logs, "*.log").Order(StringComparer.Ordinal).SelectMany(File.ReadLines).TakeLast(5000).ToArray() : [];
    }

    /// <summary>
    /// The kept release named <paramref name="release"/>, as the folder listing spells it, or null. Every path the server
    /// builds for a release starts from this answer, never from the name a request gave.
    /// </summary>
    public string? Find(string release) => ReleaseFiles.IsName(release) ? Kept().FirstOrDefault(k => k == release) : null;

    /// <summary>The folder of a release the deployer prepared (<see cref="ReleaseFiles.Prepare"/>); a name it did not prepare is refused.</summary>
    public string Prepared(string release) =>
        Find(release) is { } kept ? Of(kept)
        : throw new RolloutException($"release {release} was not prepared under {Root} (ballast deploy copies the artifact there first), or its files are not kept any more (keep_releases); deploy it again from its build");

    /// <summary>Keeps the newest <paramref name="keep"/> release folders, and always the live and the previous one.</summary>
    public void Prune(int keep, string live, string? previous)
    {
        var folders = Directory.GetDirectories(Root).Where(d => !d.EndsWith(".partial", StringComparison.Ordinal))
            .OrderByDescending(Directory.GetCreationTimeUtc).ToArray();
        foreach (var folder in folders.Skip(keep))
        {
            var release = Path.GetFileName(folder);
            if (release == live || release == previous) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException e)
            {
                DeployLog.PruneFailed(log, folder, e.Message);
            }
        }
    }
}
