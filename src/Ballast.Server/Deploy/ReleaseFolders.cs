using Ballast.Core.Deploy;

namespace Ballast.Server.Deploy;

/// <summary>
/// Where a process service's releases are kept: .ballast/releases/SERVICE/RELEASE next to ballast.yaml, each a copy of
/// the artifact folder with its replicas' output in logs/. A kept release rolls back without a rebuild.
/// </summary>
internal sealed class ReleaseFolders(string root, ILogger log)
{
    public string Root { get; } = root;

    public string Of(string release) => Path.Combine(Root, release);

    public IReadOnlyList<string> Kept() => Directory.Exists(Root)
        ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(n => !n.EndsWith(".partial", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray()
        : [];

    /// <summary>What the replicas of <paramref name="release"/> wrote to their log files, the newest 5,000 lines.</summary>
    public IReadOnlyList<string> Logs(string release)
    {
        var logs = Path.Combine(Of(release), "logs");
        return Directory.Exists(logs) ? Directory.GetFiles(logs, "*.log").Order(StringComparer.Ordinal).SelectMany(File.ReadLines).TakeLast(5000).ToArray() : [];
    }

    /// <summary>The release's folder: kept from an earlier rollout, or a fresh copy of the artifact.</summary>
    public string Prepare(RolloutRequest request)
    {
        if (request.Release.Contains('/', StringComparison.Ordinal) || request.Release.Contains("..", StringComparison.Ordinal) || request.Release.Length == 0)
            throw new RolloutException($"\"{request.Release}\" is not a release name");
        var directory = Of(request.Release);
        if (Directory.Exists(directory)) return directory;
        if (request.Artifact is not { } artifact)
            throw new RolloutException($"release {request.Release}'s files are not kept any more (keep_releases); deploy it again from its build");
        if (!Directory.Exists(artifact)) throw new RolloutException($"artifact folder {artifact} does not exist");
        // Copied aside first, so a copy cut short is never taken for a kept release.
        var staging = directory + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Copy(artifact, staging);
        Directory.Move(staging, directory);
        return directory;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            if (Path.GetFileName(dir) != "logs") Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

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
