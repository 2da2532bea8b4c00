namespace Ballast.Core.Conditions;

/// <summary>What a condition can look at. Each monitor type offers the ones it can observe.</summary>
public enum Placeholder
{
    /// <summary><c>[STATUS]</c>: the HTTP status code.</summary>
    Status,
    /// <summary><c>[BODY]</c>: the response body (or what a TCP peer sent); <c>[BODY].a.b[0]</c> reads JSON.</summary>
    Body,
    /// <summary><c>[HEADER].name</c>: a response header, case-insensitive.</summary>
    Header,
    /// <summary><c>[RESPONSE_TIME]</c>: milliseconds to the full response.</summary>
    ResponseTime,
    /// <summary><c>[CERT_EXPIRY]</c>: time left on the peer's certificate.</summary>
    CertExpiry,
    /// <summary><c>[CONNECTED]</c>: whether a connection was made.</summary>
    Connected,
    /// <summary><c>[DNS].A</c>: the records a lookup returned, by type.</summary>
    Dns,
    /// <summary><c>[DURATION]</c>: how long a heartbeat's last run took, from <c>/start</c> to its finish.</summary>
    Duration,
}

public static class PlaceholderNames
{
    public static string Of(Placeholder p) => p switch
    {
        Placeholder.Status => "STATUS",
        Placeholder.Body => "BODY",
        Placeholder.Header => "HEADER",
        Placeholder.ResponseTime => "RESPONSE_TIME",
        Placeholder.CertExpiry => "CERT_EXPIRY",
        Placeholder.Connected => "CONNECTED",
        Placeholder.Dns => "DNS",
        Placeholder.Duration => "DURATION",
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    public static bool TryParse(string name, out Placeholder placeholder)
    {
        foreach (var p in Enum.GetValues<Placeholder>())
            if (Of(p) == name) { placeholder = p; return true; }
        placeholder = default;
        return false;
    }

    /// <summary>Placeholders whose values are times, shown as <c>1834ms</c> or <c>3d4h</c>.</summary>
    public static bool IsTime(Placeholder p) => p is Placeholder.ResponseTime or Placeholder.CertExpiry or Placeholder.Duration;
}
