using Ballast.Core.Config;
using Ballast.Core.Logs;

namespace Ballast.Server.Logs;

/// <summary>The logs part of the composition root: the hub (the server's one <see cref="ILogIngest"/>) and the file sources.</summary>
public static class LogServices
{
    public static IServiceCollection AddBallastLogs(this IServiceCollection services)
    {
        services.AddSingleton<LogTail>();
        services.AddSingleton<ILogObserver>(sp => sp.GetRequiredService<LogTail>());
        services.AddSingleton<LogHub>();
        services.AddSingleton<ILogIngest>(sp => sp.GetRequiredService<LogHub>());
        services.AddSingleton<LogSourcesService>();
        services.AddHostedService(sp => sp.GetRequiredService<LogSourcesService>());
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<LogSourcesService>());
        return services;
    }
}
