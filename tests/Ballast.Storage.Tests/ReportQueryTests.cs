using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Storage.Alerting;
using Ballast.Storage.Deploy;

namespace Ballast.Storage.Tests;

/// <summary>What the incident page and the success report read, on SQLite and on a real PostgreSQL.</summary>
public sealed class ReportQueryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly StoreBackends _backends = new();

    private static CheckRecord Check(string monitor, Incident incident) =>
        new(new CheckResult(monitor, incident.StartedAt, TimeSpan.FromMilliseconds(20), false, "got 503", 503),
            new MonitorStatus(monitor, MonitorState.Down, 1, 0, LastCheckAt: incident.StartedAt, LastLatencyMs: 20, LastError: "got 503"), incident);

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Incidents_OneById_AndThoseStartedInAPeriod_OpenOrResolved_OldestFirst(string backend)
    {
        var store = await _backends.OpenAsync(backend);
        await store.WriteAsync([
            Check("api", new Incident("before", "api", T0.AddMinutes(-1), T0, T0.AddMinutes(5), "got 503")),
            Check("api", new Incident("first", "api", T0, T0.AddSeconds(30), null, "got 503")),
            Check("db", new Incident("second", "db", T0.AddHours(1), T0.AddHours(1).AddSeconds(10), null, "connection refused")),
            Check("db", new Incident("at-end", "db", T0.AddHours(2), T0.AddHours(2), null, "connection refused")),
        ]);
        Assert.True(await store.AcknowledgeAsync("first", T0.AddMinutes(1), "alice"));

        Assert.Equal(new Incident("first", "api", T0, T0.AddSeconds(30), null, "got 503", T0.AddMinutes(1), "alice"), await store.IncidentAsync("first"));
        Assert.Equal(T0.AddMinutes(5), (await store.IncidentAsync("before"))!.ResolvedAt);
        Assert.Null(await store.IncidentAsync("missing"));
        Assert.Equal(["first", "second"], (await store.IncidentsStartedAsync(T0, T0.AddHours(2))).Select(i => i.Id));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task NotificationsOfOneIncident_EveryKindThatNamesIt_OldestFirst_NotAnotherWhoseIdContainsIt(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlNotificationStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
        AlertItem Item(string id) => new(id, "api", "http", Severity.Critical, "got 503", T0, T0, null, 2, null);
        Notification Note(string id, NotificationKind kind, string channel, DateTimeOffset at, params string[] incidents) =>
            new(id, channel, new AlertMessage(kind, incidents.Select(Item).ToArray(), "http://127.0.0.1:7700/", at), incidents[0],
                NotificationStatus.Pending, 0, at, at);
        await store.AddAsync([
            Note("n3", NotificationKind.Resolved, "mail", T0.AddMinutes(5), "i1"),
            Note("n1", NotificationKind.Firing, "mail", T0.AddMinutes(1), "i1"),
            Note("n2", NotificationKind.Firing, "sms", T0.AddMinutes(1).AddSeconds(1), "i0", "i1"),
            Note("n4", NotificationKind.Firing, "mail", T0.AddMinutes(2), "i10"),
            Note("n0", NotificationKind.Firing, "mail", T0.AddMinutes(-10), "i1"),
        ]);
        await store.MarkDeliveredAsync("n1", 1, T0.AddMinutes(1), "250 2.0.0 Ok: queued");

        var found = await store.ForIncidentAsync("i1", T0);

        Assert.Equal(["n1", "n2", "n3"], found.Select(n => n.Id));
        Assert.Equal("250 2.0.0 Ok: queued", found[0].Response);
        Assert.Equal(NotificationStatus.Delivered, found[0].Status);
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task DeploysStartedInAPeriod_EveryService_OldestFirst(string backend)
    {
        await _backends.OpenAsync(backend); // migrates
        var store = new SqlDeployStore(await _backends.DialectAsync(backend, _backends.LastName(backend)));
        async Task Add(string service, DateTimeOffset at, DeployOutcome outcome) =>
            await store.AddAsync(new DeployRecord { Service = service, Release = $"{service}.{at.Minute}", StartedAt = at, Who = "ci", Outcome = outcome,
                EnvNames = ["PORT"] }, CancellationToken.None);
        await Add("web", T0.AddMinutes(30), DeployOutcome.Deployed);
        await Add("api", T0.AddMinutes(-1), DeployOutcome.Deployed);
        await Add("api", T0, DeployOutcome.RolledBack);
        await Add("api", T0.AddMinutes(59), DeployOutcome.Failed);
        await Add("api", T0.AddHours(1), DeployOutcome.Deployed);

        var found = await store.StartedBetweenAsync(T0, T0.AddHours(1), CancellationToken.None);

        Assert.Equal([("api", DeployOutcome.RolledBack), ("web", DeployOutcome.Deployed), ("api", DeployOutcome.Failed)],
            found.Select(d => (d.Service, d.Outcome)));
        Assert.Equal(["PORT"], found[0].EnvNames);
    }

    public void Dispose() => _backends.Dispose();
}
