using System.Security.Cryptography.X509Certificates;
using Ballast.Core.Config;
using Microsoft.AspNetCore.HostFiltering;

namespace Ballast.Server.Hosting;

/// <summary>
/// How the server meets the network: TLS on an https listen address (a PEM certificate and key, served by Kestrel),
/// Host header filtering (<c>server.allowed_hosts</c>: a page on another name cannot reach the API through DNS
/// rebinding), and security headers on every answer, so nothing Ballast serves can be framed, sniffed or leak its URL.
/// </summary>
internal static class ServerTransport
{
    /// <summary>The headers every answer carries.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> SecurityHeaders =
    [
        new("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
        new("X-Frame-Options", "DENY"),
    ];

    public static void ConfigureTransport(this WebApplicationBuilder builder, ServerConfig server, string? configPath)
    {
        builder.WebHost.UseUrls(server.Listen.GetLeftPart(UriPartial.Authority));
        if (server.Tls is { } tls)
        {
            // The slim builder leaves out Kestrel's https support until asked.
            builder.WebHost.UseKestrelHttpsConfiguration();
            var folder = configPath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(configPath))!;
            var certificate = Path.GetFullPath(tls.Certificate, folder);
            var key = Path.GetFullPath(tls.Key, folder);
            // Loaded when Kestrel starts, so a missing or bad file stops the start with a message naming it.
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = Load(certificate, key)));
        }
        builder.Services.AddHostFiltering(o =>
        {
            o.AllowedHosts = server.EffectiveAllowedHosts().ToList();
            o.IncludeFailureMessage = false;
        });
        // The web host puts its own host filtering first in the pipeline through a startup filter; this one goes before
        // it (the first registered is the outermost), so even a refused Host header is answered with the headers.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, OutermostFilter>());
    }

    private sealed class OutermostFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, inner) =>
            {
                var headers = context.Response.Headers;
                foreach (var (name, value) in SecurityHeaders) headers[name] = value;
                return inner(context);
            });
            app.UseHostFiltering();
            next(app);
        };
    }

    private static X509Certificate2 Load(string certificate, string key)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
            // A certificate made from PEM keeps its key in a form not every platform's TLS accepts; a PKCS#12 round trip fixes that.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"server.tls: cannot load the certificate {certificate} with the key {key}: {e.Message}", e);
        }
    }
}
