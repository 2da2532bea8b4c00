using Ballast.Core.Config;

namespace Ballast.Core.Tests.Config;

/// <summary>What the loader works out once, so no check or alert parses a config string again.</summary>
public sealed class RuntimeModelTests
{
    private static BallastConfig Load(string yaml) => ConfigLoader.Parse(yaml, "ballast.yaml", _ => null).Require();

    [Fact]
    public void Load_BadScheduleAndZone_AreErrorsWithFileLineAndColumn()
    {
        var result = ConfigLoader.Parse("""
            monitors:
              - { name: backup, type: heartbeat, schedule: "0 3 * *", time_zone: Mars/Olympus }
            maintenance:
              - { name: nightly, monitors: ["*"], schedule: "61 * * * *", time_zone: Europe/Nowhere, duration: 1h }
            """, "ballast.yaml", _ => null);

        var errors = result.Errors.Select(e => e.ToString()).ToArray();
        Assert.Contains(errors, e => e.StartsWith("ballast.yaml:2:", StringComparison.Ordinal) && e.Contains("monitors[0].schedule", StringComparison.Ordinal) && e.Contains("not a cron expression", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ballast.yaml:2:", StringComparison.Ordinal) && e.Contains("monitors[0].time_zone", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ballast.yaml:4:", StringComparison.Ordinal) && e.Contains("maintenance[0].schedule", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ballast.yaml:4:", StringComparison.Ordinal) && e.Contains("maintenance[0].time_zone", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_HeartbeatSchedule_IsParsedOnceAndFollowsAWithExpression()
    {
        var config = Load("""
            monitors:
              - { name: backup, type: heartbeat, schedule: "0 3 * * *", time_zone: UTC, grace: 1h }
            """);

        var heartbeat = Assert.IsType<HeartbeatMonitorConfig>(config.Monitors[0]);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 3, 0, 0, TimeSpan.Zero),
            heartbeat.Cron!.GetNextOccurrence(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), heartbeat.Zone));
        var changed = heartbeat with { Schedule = "30 4 * * *" };
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 4, 30, 0, TimeSpan.Zero),
            changed.Cron!.GetNextOccurrence(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), changed.Zone));
    }

    [Fact]
    public void Load_MaintenanceSchedule_OpensForItsDuration()
    {
        var window = Load("""
            maintenance:
              - { name: nightly, monitors: ["*"], schedule: "0 3 * * *", duration: 1h }
            """).Maintenance[0];

        Assert.False(window.IsOpen(new DateTimeOffset(2026, 3, 2, 2, 59, 0, TimeSpan.Zero)));
        Assert.True(window.IsOpen(new DateTimeOffset(2026, 3, 2, 3, 30, 0, TimeSpan.Zero)));
        Assert.False(window.IsOpen(new DateTimeOffset(2026, 3, 2, 4, 0, 1, TimeSpan.Zero)));
    }

    [Fact]
    public void EffectiveConditions_TcpExpect_AreWorkedOutOnceAndFollowAWithExpression()
    {
        var tcp = Assert.IsType<TcpMonitorConfig>(Load("""
            monitors:
              - { name: smtp, type: tcp, target: "127.0.0.1:25", expect: "220 ", conditions: ["[RESPONSE_TIME] < 500"] }
            """).Monitors[0]);

        Assert.Same(tcp.EffectiveConditions, tcp.EffectiveConditions);
        Assert.Equal(["[RESPONSE_TIME] < 500", "[BODY] contains \"220 \""], tcp.EffectiveConditions.Select(c => c.Text));
        Assert.Equal(["[CONNECTED] == true"], (tcp with { Expect = null, Conditions = [] }).EffectiveConditions.Select(c => c.Text));
        Assert.Equal(["[RESPONSE_TIME] < 500", "[BODY] contains \"ok\""], (tcp with { Expect = "ok" }).EffectiveConditions.Select(c => c.Text));
    }

    [Fact]
    public void ProviderConfig_IsTheSectionProviderNames_ChosenAtLoadAndFollowingAWithExpression()
    {
        var services = Load("""
            services:
              api:
                provider: process
                process: { command: dotnet, artifact: out, listen: "http://127.0.0.1:8080" }
              web:
                provider: lightsail
                lightsail: { service: web, region: us-east-2, container: web, deployment_file: web.json }
                verify: { base_url: "https://web.example.com" }
            """).Services;

        var api = services["api"];
        Assert.Same(api.Process, Assert.IsType<ProcessServiceConfig>(api.ProviderConfig));
        var web = services["web"];
        Assert.Same(web.Lightsail, Assert.IsType<LightsailServiceConfig>(web.ProviderConfig));
        // A copy that names the other provider has that provider's section, or none (which the validator refuses).
        var moved = api with { Provider = ProviderKind.Lightsail, Lightsail = web.Lightsail };
        Assert.Same(web.Lightsail, moved.ProviderConfig);
        Assert.Null((api with { Provider = ProviderKind.Lightsail }).ProviderConfig);
    }
}
