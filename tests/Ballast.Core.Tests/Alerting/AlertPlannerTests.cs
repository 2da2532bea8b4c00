using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Storage.Alerting;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Alerting;

/// <summary>Routing, grouping, resolved and repeat messages on a fake clock, stored in a real SQLite database.</summary>
public sealed class AlertPlannerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private TempAlertStore _temp = null!;
    private SqlNotificationStore _store = null!;
    private AlertingServices _services = null!;
    private AlertPlanner _planner = null!;

    public async ValueTask InitializeAsync()
    {
        _temp = await TempAlertStore.CreateAsync();
        _store = _temp.Store;
        _services = new AlertingServices(_store, _time);
        _planner = _services.Planner;
        _planner.Configure(ConfigLoader.Parse("""
            channels:
              pager: { type: webhook, url: "http://127.0.0.1:9/pager" }
              chat: { type: slack, webhook_url: "http://127.0.0.1:9/chat" }
              mail: { type: webhook, url: "http://127.0.0.1:9/mail" }
            alerting:
              group_wait: 5s
              repeat_every: 1h
              routes:
                - match: { severity: critical }
                  channels: [pager]
                  continue: true
                - match: { monitor: "db-*" }
                  channels: [mail]
                - channels: [chat]
            monitors:
              - { name: placeholder, type: tcp, target: "h:1" }
            """, "ballast.yaml").Require());
    }

    private static TcpMonitorConfig Monitor(string name, Severity severity = Severity.Warning) =>
        new() { Name = name, Target = "h:1", Severity = severity };

    private Incident Open(string monitor, string id) => new(id, monitor, _time.GetUtcNow().AddSeconds(-10), _time.GetUtcNow(), null, "connection refused (h:1)");

    private async Task<IReadOnlyList<Notification>> Step()
    {
        await _planner.StepAsync(CancellationToken.None);
        return (await _store.ListAsync()).OrderBy(n => n.CreatedAt).ThenBy(n => n.Channel, StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task Routes_FirstMatchDecides_ContinueAddsTheNext()
    {
        _planner.Observe(Open("api", "i1"), Monitor("api", Severity.Critical), 2);
        _planner.Observe(Open("db-main", "i2"), Monitor("db-main"), 2);
        _planner.Observe(Open("web", "i3"), Monitor("web"), 2);
        _time.Advance(TimeSpan.FromSeconds(5));

        var sent = await Step();

        Assert.Equal(["api→chat", "api→pager", "db-main→mail", "web→chat"],
            sent.SelectMany(n => n.Message.Items.Select(i => $"{i.Monitor}→{n.Channel}")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Grouping_IncidentsWithinGroupWait_OneMessagePerChannel()
    {
        for (var i = 0; i < 50; i++)
        {
            _planner.Observe(Open($"web-{i}", $"i{i}"), Monitor($"web-{i}"), 2);
            await Step();
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }
        Assert.Empty(await Step());
        _time.Advance(TimeSpan.FromSeconds(5));

        var sent = await Step();

        var message = Assert.Single(sent);
        Assert.Equal("chat", message.Channel);
        Assert.Equal(50, message.Message.Items.Count);
        Assert.Equal(NotificationKind.Firing, message.Message.Kind);
    }

    [Fact]
    public async Task Resolved_SentAfterGroupWait_WithDuration()
    {
        _planner.Observe(Open("web", "i1"), Monitor("web"), 3);
        _time.Advance(TimeSpan.FromSeconds(5));
        await Step();
        _time.Advance(TimeSpan.FromMinutes(4));
        var incident = Open("web", "i1") with { StartedAt = T0.AddSeconds(-10), ResolvedAt = _time.GetUtcNow() };

        _planner.Observe(incident, Monitor("web"), 0);
        Assert.Single(await Step());
        _time.Advance(TimeSpan.FromSeconds(5));
        var sent = await Step();

        var resolved = sent[^1];
        Assert.Equal(NotificationKind.Resolved, resolved.Message.Kind);
        Assert.Equal("[RESOLVED] web is UP after 4m15s", AlertText.Subject(resolved.Message));
    }

    [Fact]
    public async Task FlapInsideGroupWait_SendsNothing()
    {
        _planner.Observe(Open("web", "i1"), Monitor("web"), 2);
        await Step();
        _time.Advance(TimeSpan.FromSeconds(2));
        _planner.Observe(Open("web", "i1") with { ResolvedAt = _time.GetUtcNow() }, Monitor("web"), 0);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await Step());
    }

    [Fact]
    public async Task Repeat_EveryHourWhileOpen_StopsWhenResolved()
    {
        _planner.Observe(Open("web", "i1"), Monitor("web"), 2);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(await Step());

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Single(await Step());
        _time.Advance(TimeSpan.FromMinutes(1));
        var repeated = await Step();
        Assert.Equal(2, repeated.Count);
        Assert.Equal(NotificationKind.Repeat, repeated[^1].Message.Kind);
        Assert.Equal("[WARNING] web is still DOWN (1h15s): connection refused (h:1)", AlertText.Subject(repeated[^1].Message));

        _planner.Observe(Open("web", "i1") with { ResolvedAt = _time.GetUtcNow() }, Monitor("web"), 0);
        _time.Advance(TimeSpan.FromHours(3));
        var after = await Step();
        Assert.Equal([NotificationKind.Firing, NotificationKind.Repeat, NotificationKind.Resolved], after.Select(n => n.Message.Kind));
    }

    [Fact]
    public async Task Acknowledged_NoMoreReminders_ResolvedStillSent()
    {
        _planner.Observe(Open("web", "i1"), Monitor("web"), 2);
        _time.Advance(TimeSpan.FromSeconds(5));
        await Step();

        _planner.Acknowledge("i1");
        _time.Advance(TimeSpan.FromHours(3));
        Assert.Single(await Step());

        _planner.Observe(Open("web", "i1") with { ResolvedAt = _time.GetUtcNow() }, Monitor("web"), 0);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([NotificationKind.Firing, NotificationKind.Resolved], (await Step()).Select(n => n.Message.Kind));
    }

    [Fact]
    public async Task Resumed_AfterRestart_NotAnnouncedAgain_RemindedLater()
    {
        _planner.Resume(Open("web", "i1"), Monitor("web"));
        _planner.Resume(Open("db-x", "i2") with { AcknowledgedAt = T0 }, Monitor("db-x"));
        Assert.Empty(await Step());
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(await Step());

        _time.Advance(TimeSpan.FromMinutes(30));
        var reminders = await Step();

        var reminder = Assert.Single(reminders);
        Assert.Equal((NotificationKind.Repeat, "chat", "i1"), (reminder.Message.Kind, reminder.Channel, reminder.Message.Items[0].IncidentId));
    }

    [Fact]
    public async Task Silence_HoldsTheAlert_ItGoesOutWhenTheSilenceEnds()
    {
        _planner.SetSilences([new Silence("s1", "web*", T0, T0.AddMinutes(30), "deploying", "alice")]);
        _planner.Observe(Open("web", "i1"), Monitor("web"), 2);
        _planner.Observe(Open("api", "i2"), Monitor("api"), 2);
        _time.Advance(TimeSpan.FromSeconds(5));

        var during = await Step();
        Assert.Equal(["api"], during.SelectMany(n => n.Message.Items).Select(i => i.Monitor));

        _time.Advance(TimeSpan.FromMinutes(30));
        var after = await Step();
        var late = Assert.Single(after, n => n.Message.Items[0].Monitor == "web");
        Assert.Equal(NotificationKind.Firing, late.Message.Kind);
    }

    [Fact]
    public async Task Maintenance_HeldIncidentThatResolves_IsNeverMentioned()
    {
        _planner.Configure(ConfigLoader.Parse($$"""
            channels: { chat: { type: slack, webhook_url: "http://127.0.0.1:9/chat" } }
            alerting: { group_wait: 5s, routes: [ { channels: [chat] } ] }
            maintenance:
              - { name: db-upgrade, monitors: ["db-*"], start: "{{T0.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}}", duration: 1h }
            monitors:
              - { name: db-main, type: tcp, target: "h:1" }
            """, "ballast.yaml").Require());
        _planner.Observe(Open("db-main", "i1"), Monitor("db-main"), 2);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await Step());

        _time.Advance(TimeSpan.FromMinutes(10));
        _planner.Observe(Open("db-main", "i1") with { ResolvedAt = _time.GetUtcNow() }, Monitor("db-main"), 0);
        _time.Advance(TimeSpan.FromHours(2));

        Assert.Empty(await Step());
    }

    [Fact]
    public async Task Flapping_ReportedOnce_ThenQuietUntilItSettles()
    {
        for (var flap = 0; flap < 5; flap++)
        {
            var id = $"i{flap}";
            _planner.Observe(Open("web", id), Monitor("web"), 2);
            _time.Advance(TimeSpan.FromSeconds(30));
            await Step();
            _planner.Observe(Open("web", id) with { ResolvedAt = _time.GetUtcNow() }, Monitor("web"), 0);
            _time.Advance(TimeSpan.FromSeconds(30));
            await Step();
        }
        var kinds = (await Step()).Select(n => n.Message.Kind).ToArray();

        Assert.Equal([NotificationKind.Firing, NotificationKind.Resolved, NotificationKind.Firing, NotificationKind.Resolved,
            NotificationKind.Firing, NotificationKind.Flapping], kinds);
        var flapping = (await _store.ListAsync()).Single(n => n.Message.Kind == NotificationKind.Flapping);
        Assert.Equal("[WARNING] web is FLAPPING: 6 state changes; its alerts are held until it settles", AlertText.Subject(flapping.Message));

        _time.Advance(TimeSpan.FromMinutes(11));
        _planner.Observe(Open("web", "i9"), Monitor("web"), 2);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(NotificationKind.Firing, (await Step())[^1].Message.Kind);
    }

    public ValueTask DisposeAsync()
    {
        _services.Dispose();
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }
}
