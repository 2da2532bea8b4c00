using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Ballast.Core.Config;

namespace Ballast.Core.Security;

/// <summary>
/// How the CLI on the server's own machine authenticates without a token: <c>ballast serve</c> writes a random secret
/// to a file only its user can read (beside the SQLite file, or in .ballast/ beside ballast.yaml for PostgreSQL), and
/// accepts it only from loopback. Whoever can read that file can read the database anyway.
/// </summary>
public static class LocalCredential
{
    /// <summary>The scheme name of <c>Authorization: Local SECRET</c>.</summary>
    public const string Scheme = "Local";

    /// <summary>The identity name of a request authenticated with the local credential.</summary>
    public const string IdentityName = "local";

    /// <summary>The environment variable the CLI reads an API token from.</summary>
    public const string TokenVariable = "BALLAST_TOKEN";

    /// <summary>Where the server of <paramref name="config"/> keeps its local credential.</summary>
    public static string PathFor(BallastConfig config)
    {
        var baseDir = config.SourcePath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(config.SourcePath))!;
        var storage = config.Server.Storage;
        return storage.StartsWith("sqlite:", StringComparison.Ordinal)
            ? Path.GetFullPath(Path.Combine(baseDir, storage["sqlite:".Length..])) + ".local-key"
            : Path.Combine(baseDir, ".ballast", "local-key");
    }

    /// <summary>Writes a new secret (mode 0600, replacing the old one so a restart ends it) and returns it.</summary>
    public static string Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = ApiTokenSecret.Base64Url(RandomNumberGenerator.GetBytes(32));
        var staging = path + ".new";
        File.Delete(staging);
        // Created with its final mode: there is no moment when the secret sits in a file others can read.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(staging, options))
        using (var writer = new StreamWriter(stream)) writer.Write(secret);
        File.Move(staging, path, overwrite: true);
        return secret;
    }

    /// <summary>
    /// Sets <c>Authorization</c> on a request to the Ballast server: <c>BALLAST_TOKEN</c> as Bearer when set, else the
    /// local credential when this user can read it. Returns why nothing may be sent, or null: nothing goes over plain http
    /// to an address that is not this machine, with a credential or without (a rollout's body holds environment values).
    /// </summary>
    public static string? Authorize(HttpRequestMessage request, BallastConfig config)
    {
        var target = request.RequestUri is { IsAbsoluteUri: true } uri ? uri : new Uri(config.Server.Listen, request.RequestUri ?? new Uri("/", UriKind.Relative));
        var token = Environment.GetEnvironmentVariable(TokenVariable);
        AuthenticationHeaderValue? header = null;
        if (!string.IsNullOrWhiteSpace(token)) header = new("Bearer", token.Trim());
        else if (TryRead(PathFor(config)) is { } local) header = new(Scheme, local);
        if (target.Scheme != Uri.UriSchemeHttps && !IsThisMachine(target))
            return $"refusing to call {target.GetLeftPart(UriPartial.Authority)} over plain http, which would show credentials and environment values to the network: use an https:// server.listen, or run this on the server's machine";
        if (header is not null) request.Headers.Authorization = header;
        return null;
    }

    /// <summary>Loopback, or a wildcard listen address (0.0.0.0, [::]), which a connection from this machine reaches locally.</summary>
    private static bool IsThisMachine(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)
                           && (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)));

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null; // another user's server: this user needs a token
        }
    }
}
