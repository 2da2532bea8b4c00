using System.Text.RegularExpressions;

namespace Ballast.Core.Deploy;

/// <summary>
/// A process service's releases on disk: <c>.ballast/releases/SERVICE/RELEASE</c> next to ballast.yaml, each a copy of
/// the artifact folder. The deployer prepares a release here and the server runs only what it finds here, by name: the
/// server's API never takes a path, so no request can make it run a folder Ballast did not copy.
/// </summary>
public static partial class ReleaseFiles
{
    /// <summary>The folder holding <paramref name="service"/>'s releases.</summary>
    public static string Root(string baseDirectory, string service) => Path.Combine(baseDirectory, ".ballast", "releases", service);

    /// <summary>
    /// Whether <paramref name="release"/> can name a release: letters, digits, '.', '_' and '-', starting with a letter or
    /// digit, at most 128 characters, so no name is a path, a parent folder or a hidden or staging folder.
    /// </summary>
    public static bool IsName(string? release) => release is { Length: > 0 and <= 128 } && Name().IsMatch(release) && !release.Contains("..", StringComparison.Ordinal)
        && !release.EndsWith(".partial", StringComparison.Ordinal);

    /// <summary>
    /// Copies <paramref name="artifact"/> to <paramref name="release"/>'s folder under <paramref name="root"/> unless it is
    /// kept already; returns the folder. The copy is made aside first, so a copy cut short is never taken for a release.
    /// </summary>
    public static string Prepare(string root, string release, string artifact)
    {
        if (!IsName(release)) throw new DeployException($"\"{release}\" is not a release name (letters, digits, '.', '_' and '-')");
        var directory = Path.Combine(root, release);
        if (Directory.Exists(directory)) return directory;
        if (!Directory.Exists(artifact))
            throw new DeployException($"release {release}'s files are not kept any more (keep_releases) and artifact folder {artifact} does not exist; deploy it again from its build");
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

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z")]
    private static partial Regex Name();
}
