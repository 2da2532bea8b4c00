using Ballast.AspNetCore;

namespace SampleApi;

/// <summary>
/// Failures a drill can switch on by environment variable (samples/SampleApi/README.md). None is on by default.
/// </summary>
public sealed record Faults(
    bool CrashOnStart,
    bool HangBeforeListen,
    TimeSpan SlowReady,
    TimeSpan? RedisLostAfter,
    bool CorsMissing,
    string? FailingRoute,
    TimeSpan SlowResponses)
{
    public static Faults FromEnvironment() => new(
        Flag("FAULT_CRASH_ON_START"),
        Flag("FAULT_HANG_BEFORE_LISTEN"),
        Duration("FAULT_SLOW_READY") ?? TimeSpan.Zero,
        Duration("FAULT_REDIS_LOST_AFTER"),
        Flag("FAULT_CORS_MISSING"),
        Environment.GetEnvironmentVariable("FAULT_500_ROUTE") is { Length: > 0 } route ? route : null,
        Duration("FAULT_SLOW_RESPONSES") ?? TimeSpan.Zero);

    private static bool Flag(string name) => Environment.GetEnvironmentVariable(name) is "1" or "true";

    private static TimeSpan? Duration(string name) => DurationText.FromEnvironment(name);
}
