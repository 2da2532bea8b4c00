using Ballast.Core.Config;
using Ballast.Core.Security;

namespace Ballast.Testing;

/// <summary>
/// Sends each request with the local credential of the <c>ballast serve</c> that runs <paramref name="configPath"/>,
/// as the CLI on the same machine does; read again for every request, since each start of the server makes a new one.
/// </summary>
public sealed class LocalApiHandler(string configPath) : DelegatingHandler(new HttpClientHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (File.Exists(configPath) && ConfigLoader.Load(configPath) is { Ok: true, Config: { } config })
            if (LocalCredential.Authorize(request, config) is { } refused) throw new InvalidOperationException(refused);
        return base.SendAsync(request, cancellationToken);
    }
}
