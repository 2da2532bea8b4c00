using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// Delivers a notification through one kind of channel. Senders are named strategies: the dispatcher picks the one
/// whose <see cref="Type"/> equals the channel's <c>type</c>. Throw to fail the attempt (it is retried), or throw
/// <see cref="PermanentDeliveryException"/> when retrying cannot help.
/// </summary>
public interface IChannelSender
{
    string Type { get; }

    Task<DeliveryReceipt> SendAsync(string channel, ChannelConfig config, Notification notification, CancellationToken cancellationToken);
}

/// <summary>Base for senders of one config type.</summary>
public abstract class ChannelSender<TConfig> : IChannelSender where TConfig : ChannelConfig
{
    public abstract string Type { get; }

    public Task<DeliveryReceipt> SendAsync(string channel, ChannelConfig config, Notification notification, CancellationToken cancellationToken) =>
        SendAsync(channel, (TConfig)config, notification, cancellationToken);

    protected abstract Task<DeliveryReceipt> SendAsync(string channel, TConfig config, Notification notification, CancellationToken cancellationToken);
}

/// <summary>HTTP plumbing shared by the senders that POST JSON; the client comes from <see cref="ChannelHttp"/>'s registration.</summary>
public abstract class HttpChannelSender<TConfig>(IHttpClientFactory clients) : ChannelSender<TConfig> where TConfig : ChannelConfig
{
    /// <summary>POSTs JSON for <paramref name="channel"/> and reads the answer (see <see cref="PostAsync(string, HttpRequestMessage, CancellationToken)"/>).</summary>
    protected Task<DeliveryReceipt> PostJsonAsync(string channel, Uri url, object body, CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.ParseAdd("Ballast/1.0");
        configure?.Invoke(request);
        return PostAsync(channel, request, cancellationToken);
    }

    /// <summary>
    /// Sends for <paramref name="channel"/> (whose circuit breaker the request goes through) and reads the answer; 4xx
    /// other than 408/429 is permanent, anything else failed is worth a retry.
    /// </summary>
    protected async Task<DeliveryReceipt> PostAsync(string channel, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.Set(ChannelHttp.Channel, channel);
        using var response = await SendThroughBreakerAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        body = ShortText.Truncate(body, 500);
        var answer = $"{(int)response.StatusCode} {response.ReasonPhrase}{(body.Length > 0 ? ": " + body : "")}";
        if (response.IsSuccessStatusCode) return new DeliveryReceipt(answer);
        var code = (int)response.StatusCode;
        if (code is >= 400 and < 500 and not 408 and not 429) throw new PermanentDeliveryException(answer);
        if (code == 429 && RetryAfter(response) is { } wait) throw new RateLimitedException(answer, wait);
        throw new HttpRequestException(answer);
    }

    /// <summary>
    /// How long a 429 asks to wait: <c>Retry-After</c> in seconds, or as a date measured against the answer's own
    /// <c>Date</c> (the service's clock, not Ballast's); null when it says neither.
    /// </summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } until } when response.Headers.Date is { } sent => until - sent,
        _ => null,
    };

    /// <summary>
    /// One request per incident, in order, for the services that deduplicate on the incident's id (PagerDuty, Opsgenie);
    /// the first failure fails the attempt, and the answers are kept side by side.
    /// </summary>
    protected static async Task<DeliveryReceipt> SendPerIncidentAsync(IEnumerable<AlertItem> items, Func<AlertItem, Task<DeliveryReceipt>> send)
    {
        var answers = new List<string>();
        foreach (var item in items) answers.Add((await send(item)).Response);
        return new DeliveryReceipt(string.Join(" | ", answers));
    }

    /// <summary>
    /// Sends to each recipient not yet accepted, one request each. One refusing does not stop the others; when any
    /// fails, a <see cref="PartialDeliveryException"/> carries everyone accepted so far, so the retry texts only the rest.
    /// When the channel's breaker held back every request, nothing was sent and the attempt is not one.
    /// </summary>
    protected static async Task<DeliveryReceipt> SendToEachAsync(Notification notification, IReadOnlyList<string> recipients,
        Func<string, Task<DeliveryReceipt>> send)
    {
        var accepted = new List<string>(notification.Accepted ?? []);
        var answers = new List<string>();
        var refused = new List<(string To, Exception Error)>();
        foreach (var to in recipients.Where(r => !accepted.Contains(r, StringComparer.Ordinal)))
        {
            try
            {
                answers.Add($"{to}: {(await send(to)).Response}");
                accepted.Add(to);
            }
            catch (OperationCanceledException e) when (accepted.Count > (notification.Accepted?.Count ?? 0))
            {
                throw new PartialDeliveryException(accepted, $"no answer for {to}", permanent: false, e);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                refused.Add((to, e));
            }
        }
        if (refused.Count == 0) return new DeliveryReceipt(string.Join(" | ", answers));
        if (accepted.Count == (notification.Accepted?.Count ?? 0) && refused.All(r => r.Error is DeliveryHeldBackException))
            throw refused[0].Error;
        var message = string.Join("; ", refused.Select(r => $"{r.To}: {r.Error.Message}"));
        throw new PartialDeliveryException(accepted, message, refused.All(r => r.Error is PermanentDeliveryException), refused[0].Error);
    }

    private async Task<HttpResponseMessage> SendThroughBreakerAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.CreateClient(ChannelHttp.ClientName).SendAsync(request, cancellationToken);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException e)
        {
            // Never sent: the notification waits for the breaker to let a request through, and spends no attempt meanwhile.
            var after = e.RetryAfter ?? ChannelHttp.BreakDuration;
            throw new DeliveryHeldBackException(ChannelHttp.Refused(request.RequestUri!, e.RetryAfter), after, e);
        }
    }
}
