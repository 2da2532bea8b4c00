using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ballast.Testing;

/// <summary>A real Kestrel server on 127.0.0.1 with a free port, its endpoints supplied by the test.</summary>
public sealed class TestWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestWebServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri Url(string path) => new(BaseAddress, path);

    /// <summary>
    /// Starts a server; <paramref name="certificate"/> makes it HTTPS. <paramref name="address"/> (a loopback address such
    /// as 127.0.0.2) and <paramref name="port"/> put it where another server's name could move to.
    /// </summary>
    public static async Task<TestWebServer> StartAsync(Action<WebApplication> map, X509Certificate2? certificate = null, IPAddress? address = null,
        int port = 0)
    {
        if (address is not null && !IPAddress.IsLoopback(address)) throw new ArgumentException("tests listen on loopback only", nameof(address));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
            k.Listen(address ?? IPAddress.Loopback, port, listen =>
            {
                if (certificate is not null) listen.UseHttps(certificate);
            }));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestWebServer(app, new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
