using System.Net.Sockets;
using System.Security.Authentication;
using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>Turns the exceptions of a failed connection into the short phrase an operator expects: "connection refused (127.0.0.1:5000)".</summary>
public static class NetworkErrors
{
    public static string Describe(Exception exception, string endpoint, TimeSpan timeout, bool timedOut, string? tlsDetail = null)
    {
        if (timedOut) return $"timed out after {Duration.Format(timeout)}";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException s:
                    return s.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => $"connection refused ({endpoint})",
                        SocketError.HostNotFound or SocketError.NoData => $"host not found ({endpoint})",
                        SocketError.TimedOut => $"connect timed out ({endpoint})",
                        SocketError.ConnectionReset => $"connection reset by peer ({endpoint})",
                        SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"unreachable ({endpoint})",
                        _ => $"{s.Message.TrimEnd('.').ToLowerInvariant()} ({endpoint})",
                    };
                case AuthenticationException a:
                    return $"TLS handshake failed: {tlsDetail ?? a.Message.TrimEnd('.')}";
                case IOException io when io.InnerException is null:
                    return $"{io.Message.TrimEnd('.')} ({endpoint})";
            }
        }
        return $"{exception.GetBaseException().Message.TrimEnd('.')} ({endpoint})";
    }
}
