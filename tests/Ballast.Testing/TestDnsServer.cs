using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ballast.Core.Monitoring.Probes;
using DnsClient;

namespace Ballast.Testing;

/// <summary>
/// A DNS server on 127.0.0.1 (UDP) answering from a table, in the RFC 1035 wire format. Names not in the table get
/// NXDOMAIN. Record data: A "1.2.3.4", TXT "text", MX "10 mail.example", CNAME/NS "host.example".
/// </summary>
public sealed class TestDnsServer : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentDictionary<(string Name, ushort Type), string[]> _records = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestDnsServer()
    {
        Port = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Adds or replaces the records of one name and type (while serving, too: a failover moving a name).</summary>
    public TestDnsServer Add(string name, string type, params string[] data)
    {
        _records[(name.TrimEnd('.').ToLowerInvariant(), TypeCode(type))] = data;
        return this;
    }

    /// <summary>A resolver for HTTP probes that asks this server (over the DNS wire protocol) for A records, keeping nothing.</summary>
    public IHostResolver Resolver() => new Client(new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, Port)) { UseCache = false }));

    private sealed class Client(LookupClient lookup) : IHostResolver
    {
        public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            var answer = await lookup.QueryAsync(host, QueryType.A, cancellationToken: cancellationToken);
            var addresses = answer.Answers.ARecords().Select(a => a.Address).ToArray();
            return addresses.Length > 0 ? addresses : throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
        }
    }

    private static ushort TypeCode(string type) => type switch
    {
        "A" => 1, "NS" => 2, "CNAME" => 5, "MX" => 15, "TXT" => 16, "AAAA" => 28,
        _ => throw new ArgumentException(type),
    };

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // stopping
            }
            var response = Answer(request.Buffer);
            await _udp.SendAsync(response, request.RemoteEndPoint, _stop.Token);
        }
    }

    private byte[] Answer(byte[] query)
    {
        var pos = 12;
        var labels = new List<string>();
        while (query[pos] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, pos + 1, query[pos]));
            pos += query[pos] + 1;
        }
        pos++;
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(pos));
        var questionEnd = pos + 4;
        var name = string.Join('.', labels).ToLowerInvariant();
        var known = _records.Keys.Any(k => k.Name == name);
        _records.TryGetValue((name, type), out var data);
        data ??= [];

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // id
        response.AddRange([0x81, (byte)(0x80 | (known ? 0 : 3))]); // response, RD, RA, rcode NOERROR or NXDOMAIN
        response.AddRange([0, 1]);
        response.AddRange(U16((ushort)data.Length));
        response.AddRange([0, 0, 0, 0]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var item in data)
        {
            var rdata = type switch
            {
                1 => IPAddress.Parse(item).GetAddressBytes(),
                28 => IPAddress.Parse(item).GetAddressBytes(),
                16 => [(byte)Encoding.ASCII.GetByteCount(item), .. Encoding.ASCII.GetBytes(item)],
                15 => [.. U16(ushort.Parse(item.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)), .. NameBytes(item.Split(' ')[1])],
                _ => NameBytes(item),
            };
            response.AddRange([0xC0, 0x0C]);
            response.AddRange(U16(type));
            response.AddRange([0, 1, 0, 0, 0, 60]);
            response.AddRange(U16((ushort)rdata.Length));
            response.AddRange(rdata);
        }
        return [.. response];
    }

    private static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];

    private static byte[] NameBytes(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
