using System.Buffers.Text;
using System.Security.Cryptography;
using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>Where generated push tokens are kept, by monitor name, so a heartbeat's push URL survives restarts and reloads.</summary>
public interface IPushTokenStore
{
    /// <summary>
    /// Keeps each proposed token for a monitor that has none stored yet and returns the token stored for every monitor
    /// asked about: the proposed one, or the one kept before (by an earlier start, or by another process at the same time).
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> EnsureAsync(IReadOnlyDictionary<string, string> proposed, CancellationToken cancellationToken);
}

/// <summary>
/// Heartbeat push tokens: the one secret that lets a job mark itself healthy, so never the monitor's name (which the
/// monitors API lists) and never guessable. A heartbeat without a <c>token</c> in the config gets a random one,
/// generated once and kept in storage.
/// </summary>
public static class PushTokens
{
    // 24 random bytes are 192 bits, written as 32 base64url characters.
    private const int RandomBytes = 24;

    /// <summary>A new random token, URL-safe.</summary>
    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Whether <paramref name="token"/> holds only RFC 3986's unreserved characters, so it stands in a URL path as it is.</summary>
    public static bool IsUrlSafe(string token) => token.Length > 0 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~');

    /// <summary>
    /// <paramref name="config"/> with every heartbeat that has no configured token given the one kept in
    /// <paramref name="store"/> (generated and kept now when there is none). The same instance when nothing was missing.
    /// </summary>
    public static async Task<BallastConfig> ResolveAsync(BallastConfig config, IPushTokenStore store, CancellationToken cancellationToken)
    {
        var missing = config.Monitors.OfType<HeartbeatMonitorConfig>().Where(h => h.Token is null)
            .ToDictionary(h => h.Name, _ => Generate(), StringComparer.Ordinal);
        if (missing.Count == 0) return config;
        var kept = await store.EnsureAsync(missing, cancellationToken);
        return config with
        {
            Monitors = config.Monitors.Select(m => m is HeartbeatMonitorConfig { Token: null } h ? h with { Token = kept[h.Name] } : m).ToArray(),
        };
    }

    /// <summary>The URL a job calls: <c>server.public_url</c> (or <c>listen</c>) followed by <c>/api/push/TOKEN</c>.</summary>
    public static Uri PushUrl(ServerConfig server, string token) =>
        new((server.PublicUrl ?? server.Listen).AbsoluteUri.TrimEnd('/') + "/api/push/" + token);
}
