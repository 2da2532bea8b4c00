using Ballast.Core;
using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Storage.Alerting;
using Ballast.Storage.Deploy;
using Ballast.Storage.KeyRing;
using Ballast.Storage.Monitoring;
using Ballast.Storage.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ballast.Storage;

/// <summary>
/// The composition root of storage: the database the config names, its <see cref="SchemaMigrator"/>, every store on
/// it, the single writer monitoring results go through and the audit trail's writer. Whoever resolves a store runs the migrator first.
/// </summary>
public static class BallastStorageServices
{
    public static IServiceCollection AddBallastStorage(this IServiceCollection services, BallastConfig config)
    {
        services.TryAddSingleton(_ => Stores.DialectFor(config.Server, config.SourcePath));
        services.TryAddSingleton<SchemaMigrator>();
        services.TryAddSingleton(StorageFailure.Classifier);
        services.TryAddSingleton<IMonitoringStore>(sp => new SqlMonitoringStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton(sp => new SqlNotificationStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton<INotificationStore>(sp => sp.GetRequiredService<SqlNotificationStore>());
        services.TryAddSingleton<ISilenceStore>(sp => sp.GetRequiredService<SqlNotificationStore>());
        services.TryAddSingleton<IDeployStore>(sp => new SqlDeployStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton<IAuditStore>(sp => new SqlAuditStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton<AuditWriter>();
        services.TryAddSingleton<IAuditSink>(sp => sp.GetRequiredService<AuditWriter>());
        services.TryAddSingleton<IIdentityStore>(sp => new SqlIdentityStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton<IPushTokenStore>(sp => new SqlPushTokenStore(sp.GetRequiredService<SqlDialect>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton<Core.StatusPages.IStatusMessageStore>(sp => new StatusPages.SqlStatusMessageStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton<Core.Logs.ILogCheckpointStore>(sp => new Logs.SqlLogCheckpointStore(sp.GetRequiredService<SqlDialect>()));
        services.TryAddSingleton<MonitoringWriter>();
        services.TryAddSingleton<IMonitoringSink>(sp => sp.GetRequiredService<MonitoringWriter>());
        services.AddBallastKeyRing();
        return services;
    }
}
