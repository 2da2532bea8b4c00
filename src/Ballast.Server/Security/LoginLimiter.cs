using System.Globalization;
using System.Threading.RateLimiting;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Server.Hosting;

namespace Ballast.Server.Security;

/// <summary>
/// Logins per user name, on top of the per-address limit the rate limiter middleware applies to the login route: a
/// guesser spread over many addresses still gets <c>server.login_limit.attempts</c> tries per name and window.
/// </summary>
public sealed class LoginLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _byName;

    public LoginLimiter(ConfigState config)
    {
        var limit = config.Current.Server.LoginLimit;
        _byName = PartitionedRateLimiter.Create<string, string>(name => RateLimitPartition.GetFixedWindowLimiter(name, _ => Options(limit)));
    }

    /// <summary>A lease for one login as <paramref name="name"/>; not acquired when the name used up its window.</summary>
    /// <param name="name">A trimmed, valid user name (<see cref="IdentityNames.IsValid"/>): each partition is kept for its
    /// window, so whatever a client sends must never become one.</param>
    public RateLimitLease Acquire(string name) => IdentityNames.IsValid(name)
        ? _byName.AttemptAcquire(name.ToLowerInvariant())
        : throw new ArgumentException("only a valid user name keys the login limit", nameof(name));

    internal static FixedWindowRateLimiterOptions Options(LoginLimitConfig limit) => new()
    {
        PermitLimit = limit.Attempts,
        Window = limit.Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>How long a refused lease says to wait, in whole seconds, at least one.</summary>
    internal static TimeSpan RetryAfter(RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));
    }

    /// <summary>
    /// 429 with Retry-After and a sentence saying when to try again; a browser's login form is sent back to the
    /// login page, which says it.
    /// </summary>
    internal static async ValueTask RejectAsync(HttpContext context, RateLimitLease lease, string per)
    {
        var seconds = (int)RetryAfter(lease).TotalSeconds;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (context.Request.HasFormContentType)
        {
            context.Response.Redirect(Dashboard.LoginForm.PageUrl(LoginRefusal.Limited, null), permanent: false);
            return;
        }
        await Results.Problem($"too many logins {per}: try again in {seconds} s (server.login_limit)",
            statusCode: StatusCodes.Status429TooManyRequests, title: "too many logins").ExecuteAsync(context);
    }

    public void Dispose() => _byName.Dispose();
}
