using System.Security.Cryptography;
using System.Text;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// AWS Signature Version 4 for one request (docs: "Create a signed AWS API request"): canonical request, string to
/// sign, the date/region/service key chain. Checked against AWS's published get-vanilla and post-vanilla vectors.
/// </summary>
public static class AwsSigV4
{
    /// <summary>The Authorization header value. <paramref name="headers"/> are the headers to sign, host and x-amz-date included.</summary>
    public static string Authorization(string method, Uri url, IReadOnlyDictionary<string, string> headers, byte[] payload,
        string accessKeyId, string secretAccessKey, string region, string service, string amzDate)
    {
        var date = amzDate[..8];
        var sorted = headers.Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(' ', h.Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))))
            .OrderBy(h => h.Name, StringComparer.Ordinal).ToArray();
        var signedHeaders = string.Join(';', sorted.Select(h => h.Name));
        var query = string.Join('&', (url.Query.TrimStart('?').Length == 0 ? [] : url.Query.TrimStart('?').Split('&'))
            .Select(p => p.Split('=', 2)).Select(p => (Key: p[0], Value: p.Length > 1 ? p[1] : ""))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var canonical = string.Join('\n', method, url.AbsolutePath.Length == 0 ? "/" : url.AbsolutePath, query,
            string.Concat(sorted.Select(h => $"{h.Name}:{h.Value}\n")), signedHeaders, Hex(SHA256.HashData(payload)));
        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
        foreach (var part in new[] { date, region, service, "aws4_request" }) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
