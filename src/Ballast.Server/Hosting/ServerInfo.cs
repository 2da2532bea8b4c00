using System.Diagnostics;
using System.Reflection;

namespace Ballast.Server.Hosting;

/// <summary>Which Ballast runs and since when, for the system page and <c>ballast_build_info</c>.</summary>
public static class ServerInfo
{
    /// <summary>The informational version of the server assembly (what the build stamped).</summary>
    public static string Version { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>When this process started; what Prometheus' <c>process_start_time_seconds</c> reports too.</summary>
    public static DateTimeOffset ProcessStartedAt { get; } = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);
}
