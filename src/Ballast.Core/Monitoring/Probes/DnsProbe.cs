using System.Net;
using System.Net.Sockets;
using Ballast.Core.Config;
using DnsClient;
using DnsClient.Protocol;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>
/// <c>type: dns</c>: A and AAAA through the system resolver (what the service's clients see), other records and an
/// explicit <c>resolver</c> through a DNS client asking the configured name servers directly.
/// </summary>
public sealed class DnsProbe(TimeProvider time) : Probe<DnsMonitorConfig>
{
    public override string Type => "dns";

    protected override async Task<Observation> ProbeAsync(DnsMonitorConfig monitor, CancellationToken cancellationToken)
    {
        var key = monitor.Record.ToString().ToUpperInvariant();
        var start = time.GetTimestamp();
        try
        {
            IReadOnlyList<string> records = monitor.Resolver is null && monitor.Record is DnsRecordType.A or DnsRecordType.Aaaa
                ? await SystemLookupAsync(monitor, cancellationToken)
                : await ClientLookupAsync(monitor, cancellationToken);
            var elapsed = time.GetElapsedTime(start);
            return new Observation
            {
                Connected = true,
                Dns = new Dictionary<string, IReadOnlyList<string>> { [key] = records },
                ResponseTime = elapsed,
                Timings = new ProbeTimings { Dns = elapsed, Total = elapsed },
            };
        }
        catch (Exception e) when (e is SocketException or DnsResponseException or OperationCanceledException)
        {
            var elapsed = time.GetElapsedTime(start);
            var message = e is DnsResponseException dns
                ? $"DNS query failed: {dns.Code} ({monitor.Resolver ?? "system resolver"})"
                : NetworkErrors.Describe(e, monitor.Resolver ?? "system resolver", monitor.Timeout, e is OperationCanceledException);
            return Observation.NoAnswer(message, new ProbeTimings { Dns = elapsed, Total = elapsed }, elapsed);
        }
    }

    private static async Task<IReadOnlyList<string>> SystemLookupAsync(DnsMonitorConfig monitor, CancellationToken cancellationToken)
    {
        var family = monitor.Record == DnsRecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(monitor.Host, family, cancellationToken);
            return addresses.Select(a => a.ToString()).ToArray();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            return []; // no such name: no records, which the conditions judge
        }
    }

    private static async Task<IReadOnlyList<string>> ClientLookupAsync(DnsMonitorConfig monitor, CancellationToken cancellationToken)
    {
        LookupClientOptions options;
        if (monitor.Resolver is not null && HostPort.TryParse(monitor.Resolver, out var host, out var port))
        {
            var address = IPAddress.TryParse(host, out var ip) ? ip : (await Dns.GetHostAddressesAsync(host, cancellationToken))[0];
            options = new LookupClientOptions(new IPEndPoint(address, port));
        }
        else options = new LookupClientOptions();
        options.UseCache = false;
        options.Timeout = monitor.Timeout;
        options.Retries = 0;
        options.ThrowDnsErrors = false;
        var client = new LookupClient(options);
        var type = monitor.Record switch
        {
            DnsRecordType.A => QueryType.A,
            DnsRecordType.Aaaa => QueryType.AAAA,
            DnsRecordType.Cname => QueryType.CNAME,
            DnsRecordType.Mx => QueryType.MX,
            DnsRecordType.Txt => QueryType.TXT,
            _ => QueryType.NS,
        };
        var response = await client.QueryAsync(monitor.Host, type, QueryClass.IN, cancellationToken);
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            throw new DnsResponseException((DnsResponseCode)response.Header.ResponseCode);
        return response.Answers.Select(r => r switch
        {
            ARecord a => a.Address.ToString(),
            AaaaRecord a => a.Address.ToString(),
            CNameRecord c => c.CanonicalName.Value.TrimEnd('.'),
            MxRecord m => $"{m.Preference} {m.Exchange.Value.TrimEnd('.')}",
            TxtRecord t => string.Concat(t.Text),
            NsRecord n => n.NSDName.Value.TrimEnd('.'),
            _ => r.ToString(),
        }).ToArray();
    }
}
