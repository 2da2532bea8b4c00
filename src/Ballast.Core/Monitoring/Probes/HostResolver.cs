using System.Net;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>
/// Turns a host name into addresses when an HTTP probe opens a connection. It is asked on every new connection and
/// must not keep answers longer than <see cref="HttpProbe.DefaultConnectionLifetime"/>, or a moved name is missed.
/// </summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The operating system's resolver (which keeps no cache of its own in .NET).</summary>
public sealed class SystemHostResolver : IHostResolver
{
    public static readonly SystemHostResolver Instance = new();

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}
