using System.Collections.Frozen;
using System.Security.Cryptography;
using Ballast.Server.Security;

namespace Ballast.Server.Dashboard;

/// <summary>
/// The dashboard's CSS, scripts and the chart library, embedded in the assembly at build time and served from memory
/// at <c>/assets/{file}</c>. Each URL carries the file's hash (<see cref="Url"/>), so a browser keeps a file until
/// Ballast is upgraded and never runs an old script against a new page.
/// </summary>
public static class DashboardAssets
{
    private const string Prefix = "assets/";

    private static readonly FrozenDictionary<string, Asset> Files = Load();

    /// <summary>The URL of <paramref name="file"/> with its version; throws for a file the assembly does not hold.</summary>
    public static string Url(string file) =>
        Files.TryGetValue(file, out var asset) ? $"/assets/{file}?v={asset.Version}" : throw new ArgumentException($"no dashboard asset named {file}", nameof(file));

    /// <summary><c>GET /assets/{file}</c>: public, since the login and status pages need them before anyone signs in.</summary>
    public static IEndpointRouteBuilder MapDashboardAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/assets/{file}", (string file, string? v, HttpContext context) =>
        {
            if (!Files.TryGetValue(file, out var asset)) return Results.NotFound();
            // A versioned URL never changes; an unversioned one is checked again every time.
            context.Response.Headers.CacheControl = v == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
            return Results.Bytes(asset.Content, asset.ContentType, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{asset.Version}\""));
        }).Public();
        return app;
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var version = Convert.ToHexStringLower(SHA256.HashData(content))[..12];
            files[name[Prefix.Length..]] = new Asset(content, ContentType(name), version);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, string Version);
}
