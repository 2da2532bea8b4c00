using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>
/// Judges a peer certificate the way a browser would (chain to a trusted root, name match, validity dates), optionally
/// against a private CA, and says what is wrong in words. Everything is judged at the <c>now</c> it is given, the chain
/// included, so a check never mixes Ballast's clock with the machine's.
/// </summary>
public static class CertificateCheck
{
    private static readonly ConcurrentDictionary<string, CaFile> CaFiles = new(StringComparer.Ordinal);

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

        // The TLS stack built its chain at the machine's clock; it is rebuilt here at `now` so the dates above and the
        // chain's own date checks agree. The intermediates the server sent are kept; nothing is downloaded.
        using var own = new X509Chain();
        own.ChainPolicy.VerificationTime = now.UtcDateTime;
        own.ChainPolicy.VerificationTimeIgnored = false;
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        own.ChainPolicy.DisableCertificateDownloads = true;
        if (caFile is not null)
        {
            var (roots, unreadable) = LoadCa(caFile);
            if (roots is null) return unreadable;
            own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            own.ChainPolicy.CustomTrustStore.AddRange(roots);
        }
        if (chain is not null)
            foreach (var element in chain.ChainElements.Skip(1))
                own.ChainPolicy.ExtraStore.Add(element.Certificate);
        return own.Build(leaf) ? null : ChainProblem(own);
    }

    private static string ChainProblem(X509Chain chain)
    {
        var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToArray();
        if (statuses.Contains(X509ChainStatusFlags.UntrustedRoot) || statuses.Contains(X509ChainStatusFlags.PartialChain))
            return "certificate chain is not trusted (self-signed or unknown issuer; set ca_file for a private CA)";
        if (statuses.Contains(X509ChainStatusFlags.NotSignatureValid))
            return "certificate chain is not trusted (signed by another key than the trusted CA of that name; is ca_file current?)";
        if (statuses.Contains(X509ChainStatusFlags.NotTimeValid))
            return $"certificate chain is not valid at {chain.ChainPolicy.VerificationTime.ToUniversalTime():yyyy-MM-dd HH:mm} UTC (an issuing certificate has expired or is not yet valid)";
        return "certificate chain is invalid: " + (statuses.Length == 0 ? "unknown reason" : string.Join(", ", statuses));
    }

    /// <summary>
    /// The CAs in a PEM file, read again whenever the file's timestamp or length changes, so a rotated private CA is
    /// trusted without a restart.
    /// </summary>
    private static (X509Certificate2Collection? Roots, string? Problem) LoadCa(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return (null, $"ca_file {path} does not exist");
            var stamp = (info.LastWriteTimeUtc, info.Length);
            if (CaFiles.TryGetValue(path, out var cached) && cached.Stamp == stamp) return (cached.Certificates, null);
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            if (collection.Count == 0) return (null, $"ca_file {path} holds no PEM certificate");
            CaFiles[path] = new CaFile(stamp, collection);
            return (collection, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return (null, $"ca_file {path} cannot be read: {e.Message}");
        }
    }

    private sealed record CaFile((DateTime WrittenAt, long Length) Stamp, X509Certificate2Collection Certificates);

    private static string Subject(X509Certificate2 cert) => cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    private static string Names(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san is null ? [] : san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())).ToArray();
        return names.Length > 0 ? string.Join(", ", names) : Subject(cert);
    }
}
