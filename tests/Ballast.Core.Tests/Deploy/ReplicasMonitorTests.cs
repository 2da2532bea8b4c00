using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Monitoring;
using Ballast.Core.Tests.Alerting;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Deploy;

/// <summary>The SERVICE-replicas monitor in alerting: matched by maintenance windows like a monitor written in ballast.yaml.</summary>
public sealed class ReplicasMonitorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private AlertingServices? _services;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    private async Task<(AlertPlanner, SqlNotificationStore)> PlannerAsync(bool maintenance)
    {
        File.WriteAllText(_dir.File("ballast.yaml"), $$"""
            server: { listen: 'http://127.0.0.1:7700', storage: 'sqlite:ballast.db' }
            channels: { ops: { type: webhook, url: 'http://127.0.0.1:9/hook' } }
            alerting: { group_wait: 0s, routes: [{ channels: [ops] }] }
            {{(maintenance ? "maintenance: [{ name: upgrade, tags: [deploy], start: '2026-03-02T09:00:00Z', duration: 2h }]" : "")}}
            services:
              api:
                provider: process
                process: { command: dotnet, args: [api.dll], artifact: out, listen: 'http://127.0.0.1:8080' }
            """);
        var loaded = ConfigLoader.Load(_dir.File("ballast.yaml"));
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var dialect = Stores.DialectFor(loaded.Config!.Server, loaded.Config.SourcePath);
        await new SchemaMigrator(dialect).MigrateAsync();
        var store = new SqlNotificationStore(dialect);
        _services = new AlertingServices(store, _time);
        var planner = _services.Planner;
        planner.Configure(loaded.Config);
        return (planner, store);
    }

    private Incident ReplicaDied() => new("i1", "api-replicas", _time.GetUtcNow(), _time.GetUtcNow(), null, "replica 0 of api.3 exited with code 137");

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 0)]
    public async Task ReplicaIncident_InAMaintenanceWindowCoveringItsTag_IsHeldBack(bool maintenance, int notified)
    {
        var (planner, store) = await PlannerAsync(maintenance);

        planner.Observe(ReplicaDied(), ReplicasMonitor.For("api"), failedChecks: 1);
        await planner.StepAsync(CancellationToken.None);

        Assert.Equal(notified, (await store.ListAsync()).Count);
    }

    public void Dispose()
    {
        _services?.Dispose();
        _dir.Dispose();
    }
}
