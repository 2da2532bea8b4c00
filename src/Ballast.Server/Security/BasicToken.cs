using System.Text;

namespace Ballast.Server.Security;

/// <summary>
/// An API token sent as the password of <c>Authorization: Basic</c> (user name ignored), which is how log shippers'
/// <c>basic_auth</c> sends a credential. Taken only where a route says so (the Loki push route), so a browser that
/// once cached a Basic password never authenticates elsewhere with it.
/// </summary>
internal static class BasicToken
{
    public const string Scheme = "Basic";

    /// <summary>The password of a <c>Basic</c> header, when it decodes to <c>user:password</c> with a password.</summary>
    public static bool TryGetPassword(string header, out string password)
    {
        password = "";
        if (!AuthorizationHeader.TryGetCredential(header, Scheme, out var range)) return false;
        Span<byte> bytes = stackalloc byte[512];
        if (!Convert.TryFromBase64Chars(header.AsSpan(range), bytes, out var written)) return false;
        var text = Encoding.UTF8.GetString(bytes[..written]);
        var colon = text.IndexOf(':');
        if (colon < 0 || colon == text.Length - 1) return false;
        password = text[(colon + 1)..];
        return true;
    }
}
