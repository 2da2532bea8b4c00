using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// The HTTP client every HTTP channel sender uses, from <see cref="IHttpClientFactory"/>: one pooled handler whose
/// connections are renewed every two minutes (so a service that moved is found at its new address) and that keeps no
/// cookies (a webhook's session must not leak into the next notification), behind a circuit breaker per channel.
/// </summary>
public static class ChannelHttp
{
    /// <summary>The named client the senders ask the factory for.</summary>
    public const string ClientName = "ballast-channels";

    /// <summary>Failed requests in a row, within <see cref="SamplingDuration"/>, that make Ballast leave a service alone.</summary>
    public const int BreakAfter = 5;

    /// <summary>How long a service that keeps failing is left alone before one request tries it again.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);

    // Long enough that five requests waiting out the default 15 s channel timeout fall in one window.
    private static readonly TimeSpan SamplingDuration = TimeSpan.FromMinutes(2);

    /// <summary>The channel a request is sent for; its breaker is chosen by this name.</summary>
    public static readonly HttpRequestOptionsKey<string> Channel = new("Ballast.Channel");

    /// <summary>Registers the named client, its handler and its resilience pipeline.</summary>
    public static IServiceCollection AddChannelHttpClient(this IServiceCollection services)
    {
        // No retry and no attempt timeout at this level, on purpose. The NotificationDispatcher already retries every
        // failed notification on its own stored schedule (5 s doubling to 5 min, surviving restarts) and bounds each
        // attempt with the channel's timeout on Ballast's clock; SMS channels also record which recipients accepted,
        // so that only the others are tried again. A retry here would resend a message the service may already have
        // taken (a Twilio request that timed out after it was queued texts twice), and a second timeout would only race
        // the dispatcher's. What the dispatcher cannot do is know that a service is down for every notification at
        // once: without a breaker, a backlog of a hundred notifications to a service that hangs would each wait out its
        // own timeout, holding up the dispatcher's round (and so every other channel's next messages) for many minutes.
        // The breaker is per channel, not per host: two Slack webhooks of two workspaces, two PagerDuty integration keys
        // or two Twilio accounts share one host, and one of them failing (or rate-limited) must not stop the others.
        // Never per URL: its path holds the tokens (a Telegram bot's, a Slack webhook's), and the pipeline key is kept
        // and may be shown.
        services.AddHttpClient(ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), UseCookies = false })
            // The handler renews its own connections; the factory's handler rotation would only add a second pool.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("channel-service", (pipeline, context) =>
            {
                pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 1.0,
                    MinimumThroughput = BreakAfter,
                    SamplingDuration = SamplingDuration,
                    BreakDuration = BreakDuration,
                    ShouldHandle = args => ValueTask.FromResult(IsServiceFailure(args.Outcome)),
                });
            })
            .SelectPipelineBy(_ => request => request.Options.TryGetValue(Channel, out var channel) ? "channel:" + channel
                // Only a request sent without a channel (none of Ballast's senders) falls back to its host.
                : "host:" + request.RequestUri?.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped));
        return services;
    }

    /// <summary>
    /// What says the service itself is failing: no connection, no answer before the channel's timeout, a 5xx or 408.
    /// A 4xx for a request the service refuses (a bad token, a malformed payload) says nothing about the service, and
    /// neither does a 429: the service is up and asks this sender to slow down, which the dispatcher's growing retry
    /// delays already do; opening the breaker would only hold back messages the limit may by then allow.
    /// </summary>
    private static bool IsServiceFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or OperationCanceledException } => true,
        { Result: { } response } => (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout,
        _ => false,
    };

    /// <summary>
    /// The sentence stored and logged for a request the breaker did not let through. It names the service by scheme,
    /// host and port only: a URL's user name and password (<c>https://user:password@host/</c>) must never reach
    /// last_error, the API or the log.
    /// </summary>
    internal static string Refused(Uri url, TimeSpan? retryAfter) =>
        $"not sent: the last {BreakAfter} requests to {url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)} failed, so it is left alone"
        + (retryAfter is { } after ? $" for {Math.Ceiling(after.TotalSeconds):0}s more" : $" for up to {BreakDuration.TotalSeconds:0}s");
}
