using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Alerting;

/// <summary>
/// Sends stored notifications. Each attempt has the channel's timeout; a failure is retried with exponential backoff
/// (5 s doubling up to 5 min) until <c>give_up_after</c>, across restarts because the schedule is stored. A delivered
/// notification is marked so before the next one starts, so it is never sent again (a crash between the service's
/// answer and that mark can send it once more; docs/alerts.md). A channel with one request per recipient reports who
/// accepted a failed attempt; they are stored with the notification and skipped by its retries.
/// </summary>
public sealed partial class NotificationDispatcher(INotificationStore store, IEnumerable<IChannelSender> senders, TimeProvider time,
    ILogger<NotificationDispatcher> log, StoreRefusals? refusals = null) : INotificationListener, IConfigChangeListener
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(5);
    private const int Batch = 100;

    /// <summary>Failed attempts in a row after which a channel is reported on the others (about 35 s of failing).</summary>
    public const int FailingAfter = 3;

    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private readonly Lock _failingLock = new();
    private readonly Dictionary<string, IChannelSender> _senders = senders.ToDictionary(s => s.Type, StringComparer.Ordinal);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BallastConfig _config = new();
    private readonly StoreRetry _storeRetry = new(time, log, "notification dispatcher", refusals ?? new StoreRefusals());
    // Channels whose service answered 429 with Retry-After, and until when nothing more is sent to them.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _rateLimited = new(StringComparer.Ordinal);
    // A Retry-After longer than this (a misconfigured proxy's, say) is not believed: the channel is tried again then.
    private static readonly TimeSpan LongestRateLimit = TimeSpan.FromHours(1);
    // Notifications whose record of an attempt the store refused twice: this process sends them no more.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _setAside = new(StringComparer.Ordinal);

    public void Configure(BallastConfig config) => Volatile.Write(ref _config, config);

    void IConfigChangeListener.OnConfigChanged(BallastConfig updated) => Configure(updated);

    void INotificationListener.OnNotificationsAdded() => Wake();

    /// <summary>New notifications are waiting.</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake).Task;
            // Set-aside notifications stay Pending in a store that refused every write about them, so they are due
            // forever: each round reads past them, or as many of them as a batch holds would stop every other.
            var skipped = _setAside.Count;
            var due = await _storeRetry.ReadAsync(ct => store.DueAsync(time.GetUtcNow(), Batch + skipped, ct), cancellationToken);
            var sendable = due.Where(n => !_setAside.ContainsKey(n.Id)).Take(Batch).ToArray();
            // Channels are independent: a slow one must not hold up the others.
            await Task.WhenAll(sendable.GroupBy(n => n.Channel).Select(g => SendAllAsync(g, cancellationToken)));
            if (sendable.Length == Batch) continue;
            var next = await NextDueAsync(cancellationToken);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waits = new List<Task> { wake, Task.Delay(Timeout.InfiniteTimeSpan, stop.Token) };
            if (next is { } at) waits.Add(Task.Delay(at > time.GetUtcNow() ? at - time.GetUtcNow() : TimeSpan.Zero, time, stop.Token));
            await Task.WhenAny(waits);
            await stop.CancelAsync();
        }
    }

    /// <summary>When the next notification this process still sends is due: set-aside ones do not count.</summary>
    private async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        var skipped = _setAside.Count;
        if (skipped == 0) return await _storeRetry.ReadAsync(ct => store.NextDueAsync(ct), cancellationToken);
        // Pending notifications in the order they fall due: the first one not set aside is the next to wake for.
        var pending = await _storeRetry.ReadAsync(ct => store.DueAsync(DateTimeOffset.MaxValue, skipped + 1, ct), cancellationToken);
        return pending.FirstOrDefault(n => !_setAside.ContainsKey(n.Id))?.NextAttemptAt;
    }

    private async Task SendAllAsync(IEnumerable<Notification> notifications, CancellationToken cancellationToken)
    {
        foreach (var n in notifications) await SendAsync(n, cancellationToken);
    }

    /// <summary>One attempt for one notification, recorded whatever happens.</summary>
    public async Task SendAsync(Notification n, CancellationToken cancellationToken)
    {
        if (_setAside.ContainsKey(n.Id)) return;
        var config = Volatile.Read(ref _config);
        var attempts = n.Attempts + 1;
        if (!config.Channels.TryGetValue(n.Channel, out var channel) || !_senders.TryGetValue(channel.Type, out var sender))
        {
            await RecordAsync(n, attempts, "failure", ct => store.MarkFailedAsync(n.Id, attempts, $"channel \"{n.Channel}\" is no longer configured", ct), cancellationToken);
            Log.Failed(log, n.Channel, n.Id, "no longer configured");
            return;
        }
        if (_rateLimited.TryGetValue(n.Channel, out var quietUntil) && quietUntil > time.GetUtcNow())
        {
            // The service said when to come back: sending now would only earn another 429 and spend an attempt.
            await HeldBackAsync(n, new DeliveryHeldBackException(
                $"not sent: the service of channel {n.Channel} asked for no requests before {quietUntil.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z (Retry-After)",
                quietUntil - time.GetUtcNow()), config, cancellationToken);
            return;
        }
        using var timeout = new CancellationTokenSource(channel.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        DeliveryReceipt receipt;
        try
        {
            receipt = await sender.SendAsync(n.Channel, channel, n, linked.Token);
        }
        catch (PartialDeliveryException e) when (cancellationToken.IsCancellationRequested && e.InnerException is OperationCanceledException stopped)
        {
            // Stopping mid-attempt: whoever accepted already must not be texted again after the restart.
            await store.RecordAcceptedAsync(n.Id, e.Accepted, CancellationToken.None);
            throw stopped;
        }
        catch (DeliveryHeldBackException e) when (!cancellationToken.IsCancellationRequested)
        {
            await HeldBackAsync(n, e, config, cancellationToken);
            return;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            var partial = e as PartialDeliveryException;
            // Recorded before anything else, so neither a retry nor a restart sends again to whoever already has it.
            if (partial is { Accepted.Count: > 0 } && await _storeRetry.WriteAsync(ct => store.RecordAcceptedAsync(n.Id, partial.Accepted, ct),
                    () => $"the accepted recipients record of {StoreRetry.Describe(n)}", cancellationToken) is { } refused)
            {
                // Without that record every retry would text again whoever already has the message: never retried.
                await SetAsideAsync(n, attempts, "accepted recipients", refused, cancellationToken);
                Log.Failed(log, n.Channel, n.Id, $"the store refused the record of the recipients who accepted ({refused})");
                return;
            }
            // Errors quote what the service answered: cleaned like every outside text, or the store would refuse them forever.
            var error = StoredText.Clean((partial?.InnerException ?? e) is OperationCanceledException
                ? $"timed out after {Duration.Format(channel.Timeout)}{(partial is null ? "" : $" ({partial.Message})")}"
                : e.Message)!;
            var permanent = e is PermanentDeliveryException || partial is { Permanent: true };
            var now = time.GetUtcNow();
            if (attempts >= FailingAfter || permanent) await ReportFailingAsync(n, error, config, now, cancellationToken);
            if (permanent || now - n.CreatedAt >= config.Alerting.GiveUpAfter)
            {
                await RecordAsync(n, attempts, "failure", ct => store.MarkFailedAsync(n.Id, attempts, error, ct), cancellationToken);
                Log.Failed(log, n.Channel, n.Id, error);
                return;
            }
            var delay = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks << Math.Min(attempts - 1, 20)));
            if ((partial?.InnerException ?? e) is RateLimitedException { RetryAfter: var asked })
            {
                var wait = asked < TimeSpan.Zero ? TimeSpan.Zero : asked > LongestRateLimit ? LongestRateLimit : asked;
                _rateLimited[n.Channel] = now + wait;
                if (wait > delay) delay = wait;
            }
            await RecordAsync(n, attempts, "retry", ct => store.MarkRetryAsync(n.Id, attempts, now + delay, error, ct), cancellationToken);
            Log.Retrying(log, n.Channel, attempts, error, delay.TotalSeconds);
            return;
        }
        // Sent: the mark is retried until the store takes it, never taken for a failed send, which would send it again.
        var at = time.GetUtcNow();
        var response = StoredText.Clean(receipt.Response)!;
        await RecordAsync(n, attempts, "delivery", ct => store.MarkDeliveredAsync(n.Id, attempts, at, response, ct), cancellationToken);
        Log.Delivered(log, n.Message.Kind.ToString(), n.Channel, attempts);
        lock (_failingLock) _failing.Remove(n.Channel);
    }

    /// <summary>
    /// A request the channel's breaker held back was never sent: the notification keeps its attempt count, does not
    /// count toward reporting the channel as failing, and is due again when the breaker lets a request through.
    /// </summary>
    private async Task HeldBackAsync(Notification n, DeliveryHeldBackException e, BallastConfig config, CancellationToken cancellationToken)
    {
        var error = StoredText.Clean(e.Message)!;
        var now = time.GetUtcNow();
        if (now - n.CreatedAt >= config.Alerting.GiveUpAfter)
        {
            await RecordAsync(n, n.Attempts, "failure", ct => store.MarkFailedAsync(n.Id, n.Attempts, error, ct), cancellationToken);
            Log.Failed(log, n.Channel, n.Id, error);
            return;
        }
        await RecordAsync(n, n.Attempts, "retry", ct => store.MarkRetryAsync(n.Id, n.Attempts, now + e.RetryAfter, error, ct), cancellationToken);
        Log.HeldBack(log, n.Channel, n.Id, e.RetryAfter.TotalSeconds);
    }

    /// <summary>
    /// Records an attempt. When the store refuses that record, the notification is set aside instead, so it is not
    /// sent again for want of its record.
    /// </summary>
    private async Task RecordAsync(Notification n, int attempts, string record, Func<CancellationToken, Task> mark, CancellationToken cancellationToken)
    {
        var reason = await _storeRetry.WriteAsync(mark, () => $"the {record} record of {StoreRetry.Describe(n)}", cancellationToken);
        if (reason is not null) await SetAsideAsync(n, attempts, record, reason, cancellationToken);
    }

    /// <summary>
    /// Takes a notification out of Pending for good: marked failed with the reason; if the store refuses that, with a
    /// write of the status alone, so a restart does not send it again either; if it refuses even that, this process
    /// sends it no more and reads past it (it stays Pending in the store, and a restart tries it once more).
    /// </summary>
    private async Task SetAsideAsync(Notification n, int attempts, string record, string reason, CancellationToken cancellationToken)
    {
        var failed = StoredText.Clean($"set aside: the store refused its {record} record ({reason})")!;
        if (await _storeRetry.WriteAsync(ct => store.MarkFailedAsync(n.Id, attempts, failed, ct), null, cancellationToken) is null) return;
        if (await _storeRetry.WriteAsync(ct => store.SetAsideAsync(n.Id, ct), null, cancellationToken) is null) return;
        _setAside.TryAdd(n.Id, true);
    }

    /// <summary>
    /// Once per failing episode, tells every other channel that this one is failing (never about a message that is
    /// itself such a report, so two broken channels cannot feed each other).
    /// </summary>
    private async Task ReportFailingAsync(Notification failed, string error, BallastConfig config, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (failed.Message.Kind == NotificationKind.ChannelFailing) return;
        lock (_failingLock)
            if (!_failing.Add(failed.Channel)) return;
        var item = new AlertItem($"channel-{failed.Channel}", failed.Channel, "channel", Severity.Critical, error, now, now, null, 0, null);
        var message = new AlertMessage(NotificationKind.ChannelFailing, [item], (config.Server.PublicUrl ?? config.Server.Listen).ToString(), now);
        var reports = config.Channels.Keys.Where(c => c != failed.Channel)
            .Select(c => new Notification(Guid.CreateVersion7(now).ToString("N"), c, message, item.IncidentId, NotificationStatus.Pending, 0, now, now))
            .ToArray();
        if (reports.Length == 0) return;
        if (await _storeRetry.WriteAsync(ct => store.AddAsync(reports, ct), () => $"the reports that channel {failed.Channel} is failing", cancellationToken) is not null)
            return;
        Log.ChannelFailing(log, failed.Channel, reports.Length);
        Wake();
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.Alerting.Delivered, LogLevel.Information, "Delivered {Kind} notification to {Channel} (attempt {Attempt})")]
        public static partial void Delivered(ILogger logger, string kind, string channel, int attempt);

        [LoggerMessage(LogEvents.Alerting.SendFailed, LogLevel.Warning, "Sending to {Channel} failed (attempt {Attempt}): {Error}; retrying in {DelaySeconds}s")]
        public static partial void Retrying(ILogger logger, string channel, int attempt, string error, double delaySeconds);

        [LoggerMessage(LogEvents.Alerting.GaveUp, LogLevel.Error, "Gave up sending notification {Id} to {Channel}: {Error}")]
        public static partial void Failed(ILogger logger, string channel, string id, string error);

        [LoggerMessage(LogEvents.Alerting.HeldBack, LogLevel.Information, "Notification {Id} to {Channel} held back by the channel's circuit breaker; tried again in {DelaySeconds}s")]
        public static partial void HeldBack(ILogger logger, string channel, string id, double delaySeconds);

        [LoggerMessage(LogEvents.Alerting.ChannelKeepsFailing, LogLevel.Error, "Channel {Channel} keeps failing; told {Count} other channels")]
        public static partial void ChannelFailing(ILogger logger, string channel, int count);
    }
}
