using Ballast.Core.Config;

namespace Ballast.Core.Logs.Packs;

/// <summary>
/// Built-in rule packs: the failures a framework's own log lines reveal, written with the wording the framework (and
/// the drivers it is usually run with) actually prints, so they work without knowing the application. Every pattern
/// is a literal or CloudWatch terms, so <c>ballast logs scan</c> can judge lines without decoding them.
/// </summary>
public static class LogPacks
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>The packs by name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<LogRuleConfig>> All { get; } =
        new Dictionary<string, IReadOnlyList<LogRuleConfig>>(StringComparer.Ordinal)
        {
            ["nestjs"] = NestJs(),
            ["aspnetcore"] = AspNetCore(),
        };

    /// <summary>The rules of pack <paramref name="name"/>, or null when there is no such pack.</summary>
    public static IReadOnlyList<LogRuleConfig>? Find(string name) => All.GetValueOrDefault(name);

    // NestFactory logs "Starting Nest application..." and NestApplication "Nest application successfully started" once
    // every module has initialised; between them sit the InstanceLoader and RouterExplorer lines. A start that never
    // reaches the second line is the partial startup that passes a shallow health check for hours.
    private static List<LogRuleConfig> NestJs() =>
    [
        new SequenceRuleConfig
        {
            Name = "nestjs-startup-stall", First = "Starting Nest application", Then = "Nest application successfully started",
            Within = Minute, Severity = Severity.Critical, Tags = ["pack:nestjs"],
        },
        // ExceptionsHandler logs what a request handler threw; Node prints the rest when a process dies of one.
        Errors("nestjs-uncaught-exception", "?\"[ExceptionsHandler]\" ?\"uncaughtException\" ?\"UnhandledPromiseRejection\"", 0, "nestjs"),
        // Prisma (P1001, P1017), TypeORM's module retry line, node-postgres.
        Errors("nestjs-database-connection",
            "?\"Can't reach database server at\" ?\"Server has closed the connection\" ?\"Unable to connect to the database\" "
            + "?\"Connection terminated unexpectedly\" ?\"password authentication failed for user\"", 2, "nestjs"),
        // ioredis reports connection failures through its error event, printed as this when nothing listens for it.
        Errors("nestjs-redis-connection", "?\"[ioredis] Unhandled error event\" ?\"MaxRetriesPerRequestError\"", 2, "nestjs"),
        Errors("nestjs-out-of-memory", "\"JavaScript heap out of memory\"", 0, "nestjs", Severity.Critical),
        new ThresholdRuleConfig
        {
            Name = "nestjs-restart-loop", Match = "Starting Nest application", When = Count("count > 3 in 10m"),
            Per = "replica", Severity = Severity.Critical, Tags = ["pack:nestjs"],
        },
    ];

    // The host logs "Now listening on: URL" (Microsoft.Hosting.Lifetime) as each server address binds, then "Application
    // started. Press Ctrl+C to shut down." once every hosted service started; "Hosting starting" comes first at Debug.
    private static List<LogRuleConfig> AspNetCore() =>
    [
        new SequenceRuleConfig
        {
            Name = "aspnetcore-startup-stall", Syntax = LogRuleSyntax.Cloudwatch,
            First = "?\"Hosting starting\" ?\"Now listening on:\"", Then = "\"Application started.\"",
            Within = Minute, Severity = Severity.Critical, Tags = ["pack:aspnetcore"],
        },
        // The exception handler and developer page middlewares log the first; a crash of the process prints the second.
        Errors("aspnetcore-unhandled-exception", "?\"An unhandled exception has occurred while executing the request\" ?\"Unhandled exception. \"", 0, "aspnetcore"),
        // Npgsql and Microsoft.Data.SqlClient wording for a server that cannot be reached.
        Errors("aspnetcore-database-connection",
            "?\"Npgsql.NpgsqlException\" ?\"Failed to connect to\" ?\"A network-related or instance-specific error occurred while establishing a connection to SQL Server\" "
            + "?\"password authentication failed for user\"", 2, "aspnetcore"),
        Errors("aspnetcore-redis-connection",
            "?\"StackExchange.Redis.RedisConnectionException\" ?\"It was not possible to connect to the redis server\"", 2, "aspnetcore"),
        Errors("aspnetcore-out-of-memory", "\"System.OutOfMemoryException\"", 0, "aspnetcore", Severity.Critical),
    ];

    // A burst: more than `above` matches within a minute per replica (0: the first one fires).
    private static ThresholdRuleConfig Errors(string name, string pattern, int above, string pack, Severity severity = Severity.Warning) => new()
    {
        Name = name, Syntax = LogRuleSyntax.Cloudwatch, Match = pattern, When = Count($"count > {above} in 1m"), Per = "replica",
        Severity = severity, Tags = [$"pack:{pack}"],
    };

    private static LogCount Count(string text) =>
        LogCount.TryParse(text, out var count, out var error, out _) ? count : throw new InvalidOperationException($"{text}: {error}");
}
