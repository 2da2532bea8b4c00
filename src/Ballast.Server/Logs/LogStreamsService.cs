using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Streams;
using Ballast.Core.Supervision;
using Ballast.Server.Hosting;

namespace Ballast.Server.Logs;

/// <summary>
/// Runs each <c>logs.streams</c> entry as a supervised loop: a journald unit's journalctl, restarted with the
/// supervisor's backoff when it exits. Streams are read from the config the server started with; a reload that changes
/// them applies at the next start.
/// </summary>
internal sealed class LogStreamsService(ConfigState config, IServiceProvider services, LoopSupervisor supervisor, ILogger<LogStreamsService> log)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var streams = config.Current.Logs.Streams;
        // The hub lines go to; without one (a server built without log ingest) there is nowhere to hand lines.
        if (streams.Count == 0 || services.GetService<ILogIngest>() is not { } ingest) return Task.CompletedTask;
        var loops = new List<Task>();
        foreach (var stream in streams)
            if (stream.Journald is { } journald)
                loops.Add(supervisor.RunAsync($"log stream {stream.Name} (journald {journald.Unit})",
                    new JournaldSource(stream.Name, journald, ingest, log).RunAsync, stoppingToken));
        return Task.WhenAll(loops);
    }
}

/// <summary>Registers the log streams Ballast reads itself.</summary>
public static class LogStreamsServices
{
    public static IServiceCollection AddBallastLogStreams(this IServiceCollection services)
    {
        services.AddHostedService<LogStreamsService>();
        return services;
    }
}
