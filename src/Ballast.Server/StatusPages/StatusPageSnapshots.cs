using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Monitoring;
using Ballast.Core.StatusPages;
using Ballast.Server.Hosting;

namespace Ballast.Server.StatusPages;

/// <summary>
/// Each status page as an in-memory <see cref="StatusPageView"/>, rebuilt at most every <see cref="Freshness"/> (one
/// aggregate query and one message query per page, however many visitors come), sooner when an incident opens or
/// resolves or a public message is posted. A page whose storage is away keeps showing its last view.
/// </summary>
public sealed partial class StatusPageSnapshots(
    ConfigState config,
    MonitoringEngine engine,
    IMonitoringStore monitoring,
    IStatusMessageStore messages,
    StatusPageChanges changes,
    TimeProvider time,
    ILogger<StatusPageSnapshots> log) : IDisposable
{
    /// <summary>The longest a view is served before it is built again.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    /// <summary>Days of uptime bars.</summary>
    public const int Days = 90;

    /// <summary>How long a resolved message stays on the page.</summary>
    public static readonly TimeSpan ResolvedShown = TimeSpan.FromDays(14);

    /// <summary>How far ahead scheduled maintenance is announced.</summary>
    public static readonly TimeSpan MaintenanceAhead = TimeSpan.FromDays(30);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The view of page <paramref name="slug"/>, or null when no page has that slug.</summary>
    public async Task<StatusPageView?> GetAsync(string slug, CancellationToken cancellationToken)
    {
        var current = config.Current;
        if (current.StatusPages.FirstOrDefault(p => p.Slug == slug) is not { } page) return null;
        var entry = _entries.GetOrAdd(slug, _ => new Entry());
        if (Fresh(entry, current) is { } fresh) return fresh;
        // One build at a time per page: a burst of visitors waits for it instead of each querying the store.
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(entry, current) is { } built) return built;
            // Read before building: a change while it builds makes the next request build again.
            var version = changes.Version;
            var view = await BuildAsync(page, current, entry.View, cancellationToken);
            entry.Config = current;
            entry.Version = version;
            entry.View = view;
            return view;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Makes the next request of every page build its view again (a message was posted).</summary>
    public void Invalidate() => changes.Changed();

    private StatusPageView? Fresh(Entry entry, BallastConfig current) =>
        entry.View is { } view && entry.Version == changes.Version && ReferenceEquals(entry.Config, current) && time.GetUtcNow() - view.BuiltAt < Freshness
            ? view
            : null;

    private async Task<StatusPageView> BuildAsync(StatusPageConfig page, BallastConfig current, StatusPageView? previous, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var firstDay = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-(Days - 1));
        var from = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var names = page.MonitorNames().ToArray();
        IReadOnlyList<UptimeBucket> buckets;
        IReadOnlyList<PublicMessage> posted;
        try
        {
            buckets = await monitoring.UptimeSeriesAsync(from, now, AggregateResolution.Day, names, cancellationToken);
            posted = await messages.ListAsync(page.Slug, now - ResolvedShown, 100, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            Log.SnapshotFailed(log, e, page.Slug);
            // The last view stays (tried again after Freshness); without one the page shows states without history.
            if (previous is not null) return previous with { BuiltAt = now };
            buckets = [];
            posted = [];
        }

        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var live = wanted.Select(engine.Find).OfType<(MonitorConfig Config, MonitorStatus Status, Incident? OpenIncident)>().ToDictionary(s => s.Config.Name, StringComparer.Ordinal);
        var byMonitor = buckets.GroupBy(b => b.Monitor, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToDictionary(b => DateOnly.FromDateTime(b.Start.UtcDateTime)), StringComparer.Ordinal);
        var groups = page.Groups.Select(g => new StatusGroupView(g.Name, g.Components.Select(c =>
        {
            var days = byMonitor.GetValueOrDefault(c.Monitor);
            var bars = Enumerable.Range(0, Days).Select(i => firstDay.AddDays(i))
                .Select(d => new DayBar(d, days?.GetValueOrDefault(d)?.Uptime)).ToArray();
            long checks = days?.Values.Sum(b => b.Checks) ?? 0, up = days?.Values.Sum(b => b.Up) ?? 0;
            return new StatusComponentView(c.Name, StateOf(c.Monitor), bars, checks == 0 ? null : (double)up / checks);
        }).ToArray())).ToArray();

        PublicState StateOf(string monitor)
        {
            if (!live.TryGetValue(monitor, out var s)) return PublicState.NoData;
            if (Suppression.MaintenanceOf(s.Config, current, now) is not null) return PublicState.Maintenance;
            return s.Status.State switch
            {
                // Failing below the threshold is not an outage yet: the public hears what alerting would.
                MonitorState.Up or MonitorState.Pending => PublicState.Operational,
                MonitorState.Down => PublicState.Outage,
                MonitorState.Maintenance => PublicState.Maintenance,
                _ => PublicState.NoData,
            };
        }

        var (sentence, overall) = PublicWords.Overall(groups.SelectMany(g => g.Components).Select(c => c.State).ToArray());
        var view = new StatusPageView(page.Slug, page.Title, page.Description, sentence, overall, groups,
            posted.Where(m => m.ResolvedAt is null).ToArray(), posted.Where(m => m.ResolvedAt is not null).ToArray(),
            Maintenance(page, current, now), now, now, "", "");
        var etag = Fingerprint(view);
        var modified = previous?.ETag == etag ? previous.LastModified : new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        view = view with { ETag = etag, LastModified = modified };
        return view with { Feed = StatusPageFeed.Write(view, current.Server.PublicUrl ?? current.Server.Listen) };
    }

    private static MaintenanceView[] Maintenance(StatusPageConfig page, BallastConfig current, DateTimeOffset now)
    {
        var monitors = current.Monitors.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var list = new List<MaintenanceView>();
        foreach (var window in current.Maintenance)
        {
            var covered = page.Groups.SelectMany(g => g.Components)
                .Where(c => monitors.TryGetValue(c.Monitor, out var m) && window.Covers(m)).Select(c => c.Name).Distinct().ToArray();
            if (covered.Length == 0 || window.CurrentOrNext(now) is not { } span || span.Start > now + MaintenanceAhead) continue;
            list.Add(new MaintenanceView(span.Start, span.End, span.Start <= now, covered));
        }
        return list.OrderBy(m => m.Start).ToArray();
    }

    /// <summary>A strong validator of everything shown (not when it was built).</summary>
    private static string Fingerprint(StatusPageView view)
    {
        var text = new StringBuilder().Append(view.Title).Append('\n').Append(view.Description).Append('\n').Append(view.Overall);
        foreach (var group in view.Groups)
        {
            text.Append("\ng:").Append(group.Name);
            foreach (var c in group.Components)
            {
                text.Append("\nc:").Append(c.Name).Append(':').Append(c.State).Append(':').Append(c.Uptime?.ToString("R", CultureInfo.InvariantCulture));
                foreach (var day in c.Days) text.Append(',').Append(day.Uptime?.ToString("R", CultureInfo.InvariantCulture));
            }
        }
        foreach (var m in view.Open.Concat(view.Resolved))
            text.Append("\nm:").Append(m.Id).Append(':').Append(m.UpdatedAt.ToUnixTimeMilliseconds()).Append(':').Append(m.Updates.Count);
        foreach (var w in view.Maintenance)
            text.Append("\nw:").Append(w.Start.ToUnixTimeSeconds()).Append(':').Append(w.End.ToUnixTimeSeconds()).Append(w.Ongoing).Append(string.Join(',', w.Components));
        return "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..20] + "\"";
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values) entry.Dispose();
    }

    private sealed class Entry : IDisposable
    {
        public void Dispose() => Gate.Dispose();

        public readonly SemaphoreSlim Gate = new(1, 1);
        public StatusPageView? View;
        public BallastConfig? Config;
        public long Version;
    }

    private static partial class Log
    {
        [LoggerMessage(LogEvents.StatusPages.SnapshotFailed, LogLevel.Warning, "Status page {Slug} could not read storage; it shows its last view until it can")]
        public static partial void SnapshotFailed(ILogger logger, Exception exception, string slug);
    }
}

/// <summary>
/// Counts changes that make every status page's view old: incidents opening or resolving (the engine tells it, as an
/// <see cref="IIncidentListener"/>) and posted messages. Separate from <see cref="StatusPageSnapshots"/>, which reads
/// the engine that calls this.
/// </summary>
public sealed class StatusPageChanges : IIncidentListener
{
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Changed() => Interlocked.Increment(ref _version);

    void IIncidentListener.OnIncidentChanged(Incident incident, MonitorConfig monitor, MonitorStatus status) => Changed();
}
