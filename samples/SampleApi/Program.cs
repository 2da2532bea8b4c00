using Ballast.AspNetCore;
using Npgsql;
using SampleApi;
using SampleApi.Notes;
using StackExchange.Redis;

var release = Release.FromEnvironment();
var faults = Faults.FromEnvironment();
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders().AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.UseUtcTimestamp = true;
    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
}).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
if (builder.Configuration["URLS"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
    builder.WebHost.UseUrls($"http://127.0.0.1:{Environment.GetEnvironmentVariable("PORT") ?? "3697"}");
if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SENTRY_DSN")))
{
    builder.WebHost.UseSentry(o =>
    {
        o.Release = release.Label;
        o.MinimumBreadcrumbLevel = LogLevel.Information;
        o.MinimumEventLevel = LogLevel.Error;
    });
}

builder.Services.AddSingleton(release).AddSingleton(faults).AddSingleton<AiBudgets>();
builder.Services.AddSingleton(_ => Connections.Database(Required("DATABASE_URL")));
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(Connections.Redis(Required("REDIS_URL"))));
builder.Services.AddSingleton<NotesStore>().AddSingleton<NotesCache>();
builder.Services.AddHostedService<Warmup>();
builder.Services.AddCors(o => o.AddDefaultPolicy(p =>
    p.WithOrigins((Environment.GetEnvironmentVariable("CORS_ORIGINS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .AllowAnyHeader().AllowAnyMethod()));
builder.Services.AddBallastHealth(o =>
    {
        o.ServiceName = "sample-api";
        o.Release = release.Label;
        o.RequireEnv("DATABASE_URL", EnvKind.Url);
        o.RequireEnv("REDIS_URL", EnvKind.Url);
        if (release.NeedsAiBudgets)
            foreach (var name in AiBudgets.Variables) o.RequireEnv(name, EnvKind.Int, min: 1);
        o.OptionalEnv("CORS_ORIGINS");
        o.OptionalEnv("SENTRY_DSN", EnvKind.Url);
        o.Phases.Add(Warmup.CacheWarmed);
        if (release.NeedsAiBudgets) o.Phases.Add(Warmup.BudgetsLoaded);
    })
    .AddNpgSql(name: "postgres", tags: ["ready"])
    .AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), name: "redis", tags: ["ready"]);

var app = builder.Build();
if (app.WriteBallastContractIfRequested(args)) return 0;

var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SampleApi");
var startup = app.Services.GetRequiredService<StartupPhases>();
SampleApiLog.Starting(log, release.Label);
if (faults.CrashOnStart)
{
    SampleApiLog.Crashing(log);
    await app.DisposeAsync(); // flushes the log
    return 1;
}
if (faults.HangBeforeListen)
{
    SampleApiLog.Hanging(log);
    await Task.Delay(Timeout.InfiniteTimeSpan);
}

NotesStore notes;
IConnectionMultiplexer redis;
try
{
    notes = app.Services.GetRequiredService<NotesStore>();
    redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
}
catch (InvalidOperationException e)
{
    SampleApiLog.CannotStart(log, e.Message);
    await app.DisposeAsync();
    return 1;
}

for (var attempt = 1; ; attempt++)
{
    try
    {
        await notes.EnsureSchemaAsync(CancellationToken.None);
        break;
    }
    catch (Exception e) when (e is NpgsqlException or TimeoutException)
    {
        SampleApiLog.DatabaseNotReachable(log, attempt, e.Message);
        await Task.Delay(TimeSpan.FromSeconds(1));
    }
}
startup.Phase("Database connection established");

for (var attempt = 1; !redis.IsConnected; attempt++)
{
    if (attempt % 4 == 1) SampleApiLog.RedisNotReachable(log, attempt);
    await Task.Delay(TimeSpan.FromMilliseconds(250));
}
startup.Phase("Redis connection established");

if (!faults.CorsMissing) app.UseCors();
app.Use(async (context, next) =>
{
    if (!context.Request.Path.StartsWithSegments("/v1")) { await next(); return; }
    if (faults.SlowResponses > TimeSpan.Zero) await Task.Delay(faults.SlowResponses, context.RequestAborted);
    if (faults.FailingRoute is { } route && context.Request.Path.StartsWithSegments(route))
    {
        context.Response.StatusCode = 500;
        await context.Response.WriteAsync("fault: FAULT_500_ROUTE");
        return;
    }
    await next();
});
app.MapGet("/v1/ping", () => Results.Ok(new { pong = true, release = release.Label }));
app.MapNotes(app.Services.GetRequiredService<AiBudgets>());
app.MapBallastHealth();

await app.RunAsync();
return 0;

string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value
    : throw new InvalidOperationException($"{name} is not set");

internal static partial class SampleApiLog
{
    [LoggerMessage(1, LogLevel.Information, "Starting sample-api release {Release}")]
    public static partial void Starting(ILogger logger, string release);

    [LoggerMessage(2, LogLevel.Critical, "Fault: crashing on start (FAULT_CRASH_ON_START)")]
    public static partial void Crashing(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "Fault: hanging before listening (FAULT_HANG_BEFORE_LISTEN)")]
    public static partial void Hanging(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "Database not reachable yet (attempt {Attempt}): {Reason}")]
    public static partial void DatabaseNotReachable(ILogger logger, int attempt, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Redis not reachable yet (attempt {Attempt})")]
    public static partial void RedisNotReachable(ILogger logger, int attempt);

    [LoggerMessage(6, LogLevel.Critical, "Cannot start: {Reason}")]
    public static partial void CannotStart(ILogger logger, string reason);
}
