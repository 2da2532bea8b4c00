using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ballast.Testing;

/// <summary>
/// A private CA made for the test, and server certificates it issues (valid, expired, for another name). Dates are
/// taken from the clock the code under test judges with, so a test holds whatever the machine's date is.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly TimeProvider _time;

    /// <param name="time">The clock the certificates are judged at (a test's FakeTimeProvider); the system clock by default.</param>
    public TestCertificates(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Ballast Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = _time.GetUtcNow();
        _ca = request.CreateSelfSigned(now.AddYears(-1), now.AddYears(5));
        CaFile = Path.Combine(Path.GetTempPath(), $"ballast-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
    }

    /// <summary>PEM file of the CA, for <c>ca_file</c>.</summary>
    public string CaFile { get; }

    /// <summary>The CA certificate as PEM (to write it elsewhere, e.g. when rotating a <c>ca_file</c>).</summary>
    public string CaPem => _ca.ExportCertificatePem();

    /// <summary>A server certificate for <paramref name="dnsName"/> (and 127.0.0.1) valid over the given window.</summary>
    public X509Certificate2 Issue(string dnsName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        if (dnsName == "localhost") san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(_ca, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Writes a certificate and its private key as PEM files (for servers outside .NET, such as aiosmtpd).</summary>
    public static (string Cert, string Key) WritePem(X509Certificate2 certificate, string directory)
    {
        var cert = System.IO.Path.Combine(directory, "server.crt");
        var key = System.IO.Path.Combine(directory, "server.key");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        using var ecdsa = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        return (cert, key);
    }

    public X509Certificate2 Valid(string dnsName = "localhost", int days = 90) =>
        Issue(dnsName, _time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(days));

    public X509Certificate2 Expired(string dnsName = "localhost") =>
        Issue(dnsName, _time.GetUtcNow().AddDays(-30), _time.GetUtcNow().AddDays(-1));

    public void Dispose()
    {
        _ca.Dispose();
        File.Delete(CaFile);
    }
}
