using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>
/// Judges a peer certificate the way a browser would (chain to a trusted root, name match, validity dates), optionally
/// against a private CA, and says what is wrong in words.
/// </summary>
public static class CertificateCheck
{
    private static readonly ConcurrentDictionary<string, X509Certificate2Collection> CaFiles = new(StringComparer.Ordinal);

    /// <summary>The problem with the certificate, or null when it is fine.</summary>
    public static string? Problem(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, string? caFile, DateTimeOffset now)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return "the server sent no certificate";
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (leaf.NotAfter.ToUniversalTime() < now.UtcDateTime)
            return $"certificate expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC ({Subject(leaf)})";
        if (leaf.NotBefore.ToUniversalTime() > now.UtcDateTime)
            return $"certificate is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC ({Subject(leaf)})";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || !leaf.MatchesHostname(host, allowWildcards: true, allowCommonName: true))
            return $"certificate does not match {host}: it is for {Names(leaf)}";

        if (caFile is not null)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(LoadCa(caFile));
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                foreach (var element in chain.ChainElements.Skip(1))
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            return custom.Build(leaf) ? null : ChainProblem(custom);
        }
        return errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? ChainProblem(chain) : null;
    }

    private static string ChainProblem(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToArray() ?? [];
        if (statuses.Contains(X509ChainStatusFlags.UntrustedRoot) || statuses.Contains(X509ChainStatusFlags.PartialChain))
            return "certificate chain is not trusted (self-signed or unknown issuer; set ca_file for a private CA)";
        return "certificate chain is invalid: " + (statuses.Length == 0 ? "unknown reason" : string.Join(", ", statuses));
    }

    private static X509Certificate2Collection LoadCa(string path) => CaFiles.GetOrAdd(path, static p =>
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(p);
        return collection;
    });

    private static string Subject(X509Certificate2 cert) => cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    private static string Names(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san is null ? [] : san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())).ToArray();
        return names.Length > 0 ? string.Join(", ", names) : Subject(cert);
    }
}
