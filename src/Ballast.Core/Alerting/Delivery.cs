namespace Ballast.Core.Alerting;

/// <summary>What a channel's service answered.</summary>
public sealed record DeliveryReceipt(string Response);

/// <summary>A delivery that failed in a way retrying cannot fix (a 400 for a malformed request, a rejected recipient).</summary>
public sealed class PermanentDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A delivery that reached some recipients and not others. <see cref="Accepted"/> are every recipient delivered to so
/// far (earlier attempts included), remembered so a retry sends only to the rest; <see cref="Permanent"/> when every
/// recipient still missing was refused in a way retrying cannot fix.
/// </summary>
public sealed class PartialDeliveryException(IReadOnlyList<string> accepted, string message, bool permanent, Exception? inner = null)
    : Exception(message, inner)
{
    public IReadOnlyList<string> Accepted { get; } = accepted;

    public bool Permanent { get; } = permanent;
}

/// <summary>
/// An attempt that never reached the service: the channel's circuit breaker held the request back because the last
/// requests to it failed. It spends no attempt and says nothing new about the channel; the notification is tried again
/// after <see cref="RetryAfter"/>, when the breaker lets a request through.
/// </summary>
public sealed class DeliveryHeldBackException(string message, TimeSpan retryAfter, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// A service that answered 429 and said when to come back (<c>Retry-After</c>): nothing more goes to the channel before
/// <see cref="RetryAfter"/> has passed.
/// </summary>
public sealed class RateLimitedException(string message, TimeSpan retryAfter) : HttpRequestException(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
