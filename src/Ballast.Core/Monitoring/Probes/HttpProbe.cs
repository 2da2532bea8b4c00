using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ballast.Core.Conditions;
using Ballast.Core.Config;

namespace Ballast.Core.Monitoring.Probes;

/// <summary>
/// <c>type: http</c>. One pooled handler per TLS/redirect setting, shared by all monitors with that setting; DNS,
/// connect, TLS and first-byte times are taken from the handler's own connection hooks, so a fresh connection is
/// measured phase by phase and a reused one reports only what happened. A kept-alive connection is used for at most
/// <paramref name="connectionLifetime"/> (default <see cref="DefaultConnectionLifetime"/>): the next one resolves the name
/// again, so a failover that moves the name is followed instead of checking the old address for ever.
/// </summary>
public sealed class HttpProbe(TimeProvider time, IHostResolver? resolver = null, TimeSpan? connectionLifetime = null)
    : Probe<HttpMonitorConfig>, IDisposable
{
    /// <summary>Bodies are read up to this size; conditions see the first MiB of a larger one.</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>How long a connection is reused before the name is resolved again: about the TTL failovers use.</summary>
    public static readonly TimeSpan DefaultConnectionLifetime = TimeSpan.FromMinutes(1);

    private readonly IHostResolver _resolver = resolver ?? SystemHostResolver.Instance;
    private readonly TimeSpan _connectionLifetime = connectionLifetime ?? DefaultConnectionLifetime;

    private static readonly HttpRequestOptionsKey<RequestState> StateKey = new("ballast.probe");
    private readonly ConcurrentDictionary<(bool Redirects, bool Verify, string? Ca), HttpMessageInvoker> _clients = new();
    private readonly ConcurrentDictionary<string, string> _tlsProblems = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _certExpiry = new(StringComparer.OrdinalIgnoreCase);

    public override string Type => "http";

    protected override async Task<Observation> ProbeAsync(HttpMonitorConfig monitor, CancellationToken cancellationToken)
    {
        var state = new RequestState(time);
        var endpoint = $"{monitor.Url.IdnHost}:{monitor.Url.Port}";
        using var request = new HttpRequestMessage(new HttpMethod(monitor.Method), monitor.Url);
        request.Options.Set(StateKey, state);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Ballast", "1.0"));
        if (monitor.FreshConnection) request.Headers.ConnectionClose = true;
        if (monitor.Body is not null) request.Content = new StringContent(monitor.Body, Encoding.UTF8);
        foreach (var (name, value) in monitor.Headers)
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }

        var wantsBody = false;
        var wantsHeaders = false;
        foreach (var c in monitor.EffectiveConditions)
        {
            wantsBody |= c.Placeholder == Placeholder.Body;
            wantsHeaders |= c.Placeholder == Placeholder.Header;
        }

        var client = _clients.GetOrAdd((monitor.FollowRedirects, monitor.TlsVerify, monitor.CaFile), CreateClient);
        var start = time.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            // The wait for the answer once the connection was ready, so the phases add up to no more than the total.
            state.Timings.FirstByte = state.Since(state.ReadyAt != 0 ? state.ReadyAt : start);
            string? body;
            if (wantsBody) body = await ReadBodyAsync(response.Content, cancellationToken);
            else
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                await stream.CopyToAsync(Stream.Null, cancellationToken);
                body = null;
            }
            var elapsed = time.GetElapsedTime(start);
            state.Timings.Total = elapsed;
            var host = response.RequestMessage?.RequestUri?.IdnHost ?? monitor.Url.IdnHost;
            var expiry = state.CertNotAfter ?? (response.RequestMessage?.RequestUri?.Scheme == "https" && _certExpiry.TryGetValue(host, out var e) ? e : null);
            return new Observation
            {
                Status = (int)response.StatusCode,
                Body = body,
                Headers = wantsHeaders ? Collect(response) : null,
                ResponseTime = elapsed,
                Connected = true,
                CertExpiry = expiry - time.GetUtcNow(),
                Timings = state.Timings,
            };
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            var elapsed = time.GetElapsedTime(start);
            state.Timings.Total = elapsed;
            var timedOut = e is OperationCanceledException;
            if (timedOut && !cancellationToken.IsCancellationRequested) timedOut = false;
            _tlsProblems.TryGetValue(monitor.Url.IdnHost, out var tls);
            var message = NetworkErrors.Describe(e, endpoint, monitor.Timeout, timedOut, tls);
            if (timedOut) message += state.Timings.FirstByte is null ? " waiting for the response" : " reading the body";
            return Observation.NoAnswer(message, state.Timings, elapsed, connected: state.ConnectedAt != 0);
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        using var kept = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            if (kept.Length < MaxBodyBytes) kept.Write(buffer, 0, (int)Math.Min(read, MaxBodyBytes - kept.Length));
        return Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length);
    }

    private static Dictionary<string, string> Collect(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers) headers[name] = string.Join(", ", values);
        foreach (var (name, values) in response.Content.Headers) headers[name] = string.Join(", ", values);
        return headers;
    }

    private HttpMessageInvoker CreateClient((bool Redirects, bool Verify, string? Ca) settings)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = settings.Redirects,
            MaxAutomaticRedirections = 10,
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = _connectionLifetime,
            ConnectCallback = ConnectAsync,
            PlaintextStreamFilter = (context, _) =>
            {
                if (context.InitialRequestMessage.Options.TryGetValue(StateKey, out var state))
                {
                    state.Timings.Tls = context.PlaintextStream is SslStream ? state.Since(state.ConnectedAt) : null;
                    state.ReadyAt = state.Now;
                    if (context.PlaintextStream is SslStream { RemoteCertificate: X509Certificate2 cert } ssl)
                    {
                        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime());
                        state.CertNotAfter = notAfter;
                        _certExpiry[ssl.TargetHostName] = notAfter;
                    }
                }
                return ValueTask.FromResult(context.PlaintextStream);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    var host = (sender as SslStream)?.TargetHostName ?? "";
                    var problem = CertificateCheck.Problem(certificate, chain, errors, host, settings.Ca, time.GetUtcNow());
                    if (problem is null) _tlsProblems.TryRemove(host, out _);
                    else _tlsProblems[host] = problem;
                    return problem is null || !settings.Verify;
                },
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        context.InitialRequestMessage.Options.TryGetValue(StateKey, out var state);
        var socket = await Connections.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, state?.Timings ?? new ProbeTimings(), time,
            cancellationToken, _resolver);
        if (state is not null) state.ConnectedAt = state.Now;
        return new NetworkStream(socket, ownsSocket: true);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }

    private sealed class RequestState(TimeProvider time)
    {
        public long ConnectedAt;

        /// <summary>When this request's new connection was ready for it (after TLS); 0 when it reused one.</summary>
        public long ReadyAt;
        public long Now => time.GetTimestamp();
        public ProbeTimings Timings { get; } = new();
        public DateTimeOffset? CertNotAfter { get; set; }
        public TimeSpan Since(long timestamp) => time.GetElapsedTime(timestamp);
    }
}
