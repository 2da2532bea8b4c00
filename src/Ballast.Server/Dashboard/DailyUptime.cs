using System.Collections.Concurrent;
using Ballast.Core.Monitoring;
using Ballast.Server.StatusPages;

namespace Ballast.Server.Dashboard;

/// <summary>A monitor's uptime by UTC day, oldest first, ending today, and over all those days (null: never checked).</summary>
public sealed record UptimeDays(IReadOnlyList<DayBar> Days, long Checks, long Up)
{
    public double? Uptime => Checks == 0 ? null : (double)Up / Checks;
}

/// <summary>
/// The last <see cref="Days"/> UTC days of uptime per monitor, as the overview's bars draw them. A day that has ended
/// does not change, so each monitor's past days are read from storage once a day and kept (under a kilobyte a
/// monitor). Today's bucket is read again when the copy kept is older than <see cref="TodayFreshness"/>, one query
/// for all the monitors asked that need it: 20 people reloading the overview every second cost one small query every
/// few seconds rather than 90 rows per monitor per reload, and a bar is never further behind than the writer's batch
/// plus those seconds.
/// </summary>
public sealed class DailyUptime(IMonitoringStore store, TimeProvider time)
{
    public const int Days = 90;

    /// <summary>
    /// How long after midnight the day that ended may still change: the writer flushes a batch every few seconds, so
    /// past days read earlier are read again rather than kept short of their last checks.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(1);

    /// <summary>How old today's bucket of a monitor may be before it is read again.</summary>
    public static readonly TimeSpan TodayFreshness = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Past> _past = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (UptimeBucket? Bucket, DateTimeOffset ReadAt)> _todays = new(StringComparer.Ordinal);
    private DateOnly _today;

    /// <summary>Each of <paramref name="monitors"/>' days; storage is read only for today and for past days not kept yet.</summary>
    public async Task<IReadOnlyDictionary<string, UptimeDays>> GetAsync(IReadOnlyCollection<string> monitors, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var midnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var firstDay = today.AddDays(-(Days - 1));
        if (_today != today)
        {
            // A new day: yesterday joins the past and the first day drops out, so every kept entry is stale.
            _past.Clear();
            _todays.Clear();
            _today = today;
        }
        var stale = monitors.Where(m => !_todays.TryGetValue(m, out var t) || now - t.ReadAt >= TodayFreshness || t.ReadAt < midnight).ToArray();
        if (stale.Length > 0)
        {
            var read = (await store.UptimeSeriesAsync(midnight, now, AggregateResolution.Day, stale, cancellationToken)).ToDictionary(b => b.Monitor, StringComparer.Ordinal);
            foreach (var name in stale) _todays[name] = (read.GetValueOrDefault(name), now);
        }
        var pasts = new Dictionary<string, Past>(monitors.Count, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var name in monitors)
        {
            if (_past.TryGetValue(name, out var kept) && kept.Today == today) pasts[name] = kept;
            else missing.Add(name);
        }
        if (missing.Count > 0)
        {
            var from = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var buckets = await store.UptimeSeriesAsync(from, midnight, AggregateResolution.Day, missing, cancellationToken);
            var byMonitor = buckets.ToLookup(b => b.Monitor, StringComparer.Ordinal);
            // Read in the first minute after midnight, yesterday may still lack its last checks: used, not kept.
            var keep = now - midnight >= Settle;
            foreach (var name in missing)
            {
                var past = Past.Of(byMonitor[name], today, firstDay);
                pasts[name] = past;
                if (keep) _past[name] = past;
            }
        }

        var result = new Dictionary<string, UptimeDays>(monitors.Count, StringComparer.Ordinal);
        foreach (var (name, past) in pasts) result[name] = past.With(_todays.TryGetValue(name, out var t) ? t.Bucket : null, firstDay);
        return result;
    }

    /// <summary>Days before today: uptime per day (NaN: no checks) and the sums over them.</summary>
    private sealed record Past(DateOnly Today, double[] Uptime, long Checks, long Up)
    {
        public static Past Of(IEnumerable<UptimeBucket> buckets, DateOnly today, DateOnly firstDay)
        {
            var uptime = new double[Days - 1];
            Array.Fill(uptime, double.NaN);
            long checks = 0, up = 0;
            foreach (var b in buckets)
            {
                var index = DateOnly.FromDateTime(b.Start.UtcDateTime).DayNumber - firstDay.DayNumber;
                if (index < 0 || index >= uptime.Length || b.Uptime is not { } u) continue;
                uptime[index] = u;
                checks += b.Checks;
                up += b.Up;
            }
            return new Past(today, uptime, checks, up);
        }

        public UptimeDays With(UptimeBucket? today, DateOnly firstDay)
        {
            var days = new DayBar[Days];
            for (var i = 0; i < Uptime.Length; i++) days[i] = new DayBar(firstDay.AddDays(i), double.IsNaN(Uptime[i]) ? null : Uptime[i]);
            days[^1] = new DayBar(Today, today?.Uptime);
            return new UptimeDays(days, Checks + (today?.Checks ?? 0), Up + (today?.Up ?? 0));
        }
    }
}
