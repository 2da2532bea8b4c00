using Ballast.Core.Alerting;
using Ballast.Storage.Alerting;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ballast.Server.Tests;

/// <summary>
/// A real server whose notification store fails on demand (the database gone for a while): the loop that hits it is
/// restarted and reported, and everything else keeps serving.
/// </summary>
public sealed class SupervisionTests : IAsyncLifetime
{
    private TargetWithAlerts _api = null!;

    public async ValueTask InitializeAsync() => _api = await TargetWithAlerts.StartAsync();

    [Fact]
    public async Task DispatcherLoop_StoreFails_ServerKeepsServingReportsTheLoopAndDeliversOnceTheStoreIsBack()
    {
        var store = new SwitchableNotificationStore { Failing = true };
        await using var server = await ServerHarness.StartAsync($$"""
              - { name: api, type: http, url: "{{_api.Health}}", interval: 200ms, retry_interval: 100ms, failure_threshold: 2, severity: critical }
            """, _api.Alerting, configureServices: services => services.AddSingleton<INotificationStore>(sp =>
        {
            store.Inner = sp.GetRequiredService<SqlNotificationStore>();
            return store;
        }));

        var ready = await server.EventuallyAsync("/health/ready", h => h.GetProperty("checks").TryGetProperty("notification-dispatcher:running", out _));
        Assert.Equal("warn", ready.GetProperty("status").GetString());
        var loop = ready.GetProperty("checks").GetProperty("notification-dispatcher:running")[0];
        Assert.Equal("warn", loop.GetProperty("status").GetString());
        Assert.Equal(SwitchableNotificationStore.Error, loop.GetProperty("output").GetString());
        Assert.True(ready.GetProperty("checks").GetProperty("loops:restarts")[0].GetProperty("observedValue").GetInt64() >= 1);
        Assert.Equal(1, ready.GetProperty("checks").GetProperty("loops:failing")[0].GetProperty("observedValue").GetInt32());

        // Monitoring goes on: the incident opens and its notification is stored, waiting for the dispatcher.
        await server.EventuallyAsync("/api/v1/monitors", l => l[0].GetProperty("state").GetString() == "UP");
        _api.Status = 503;
        await server.EventuallyAsync("/api/v1/notifications?status=pending", l => l.GetArrayLength() == 1, seconds: 30);
        Assert.Empty(_api.Receiver.Requests);

        store.Failing = false;
        var firing = await _api.Receiver.NextAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("/hooks", firing.Path);
        await server.EventuallyAsync("/api/v1/notifications?status=delivered", l => l.GetArrayLength() == 1, seconds: 30);
        Assert.Single(_api.Receiver.Requests);
        // The incidents API reads storage, which the monitoring writer fills a batch after the engine opened it.
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        Assert.False(server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested,
            "a failing loop asked the server to stop");
    }

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    /// <summary>The real SQL store, except that reading what is due fails while <see cref="Failing"/> is set, as it does when the database is gone.</summary>
    private sealed class SwitchableNotificationStore : INotificationStore
    {
        public const string Error = "connection to the database was lost";
        public SqlNotificationStore Inner { get; set; } = null!;
        public volatile bool Failing;

        private T Check<T>(T value) => Failing ? throw new InvalidOperationException(Error) : value;

        public Task AddAsync(IReadOnlyList<Notification> notifications, CancellationToken cancellationToken = default) =>
            Inner.AddAsync(notifications, cancellationToken);

        public Task<IReadOnlyList<Notification>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
            Check(Inner).DueAsync(now, limit, cancellationToken);

        public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => Check(Inner).NextDueAsync(cancellationToken);

        public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset at, string response, CancellationToken cancellationToken = default) =>
            Inner.MarkDeliveredAsync(id, attempts, at, response, cancellationToken);

        public Task MarkRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) =>
            Inner.MarkRetryAsync(id, attempts, nextAttemptAt, error, cancellationToken);

        public Task<IReadOnlySet<string>> AnnouncedAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
            Inner.AnnouncedAsync(since, cancellationToken);

        public Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => Inner.PruneAsync(before, cancellationToken);

        public Task<IReadOnlyList<NotificationCount>> CountAsync(CancellationToken cancellationToken = default) => Inner.CountAsync(cancellationToken);

        public Task RecordAcceptedAsync(string id, IReadOnlyList<string> accepted, CancellationToken cancellationToken = default) =>
            Inner.RecordAcceptedAsync(id, accepted, cancellationToken);

        public Task MarkFailedAsync(string id, int attempts, string error, CancellationToken cancellationToken = default) =>
            Inner.MarkFailedAsync(id, attempts, error, cancellationToken);

        public Task SetAsideAsync(string id, CancellationToken cancellationToken = default) => Inner.SetAsideAsync(id, cancellationToken);

        public Task<IReadOnlyList<Notification>> ListAsync(NotificationStatus? status = null, int limit = 500, CancellationToken cancellationToken = default) =>
            Inner.ListAsync(status, limit, cancellationToken);

        public Task<IReadOnlyList<Notification>> ForIncidentAsync(string incidentId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
            Inner.ForIncidentAsync(incidentId, since, cancellationToken);
    }
}
