using System.Text.Json;
using Ballast.Core.Logs;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// Log rules inside a real server: lines handed to the registered <see cref="ILogObserver"/>s (as the sources do) open
/// an incident of the rule's name in /api/v1/incidents, alerted through the routes, and the line that ends it resolves it.
/// </summary>
public sealed class LogRuleIncidentTests : IAsyncLifetime
{
    private const string SigningSecret = "whsec-l0g-rule-signing";
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    private Task<ServerHarness> StartAsync() => ServerHarness.StartAsync("  []", $$"""
        channels:
          hooks: { type: webhook, url: "{{_receiver.Url("/hooks")}}", secret: "{{SigningSecret}}" }
        alerting:
          group_wait: 0s
          routes:
            - channels: [hooks]
        logs:
          sources: [{ name: api }]
          rules:
            - { name: partial-startup, type: sequence, source: api, first: "Starting Nest application", then: "Listening on port", within: 1s, severity: critical }
        """);

    private static void Hand(ServerHarness server, string text, string replica)
    {
        var line = new LogLine("api", text, TimeProvider.System.GetUtcNow(), new Dictionary<string, string> { ["replica"] = replica });
        foreach (var observer in server.Services.GetServices<ILogObserver>()) observer.Observe(line);
    }

    [Fact]
    public async Task SequenceRule_ReplicaStalls_OpensIncidentWithItsLines_AndResolvesWhenItListens()
    {
        await using var server = await StartAsync();

        Hand(server, "[Nest] 41  - 11/29/2026, 10:00:00 AM     LOG [NestFactory] Starting Nest application...", "0");
        Hand(server, $"[Nest] 42  - 11/29/2026, 10:00:00 AM     LOG [NestFactory] Starting Nest application... signing={SigningSecret}", "1");
        Hand(server, "[Nest] 41  - 11/29/2026, 10:00:01 AM     LOG [NestApplication] Listening on port 3697", "0");

        var open = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var incident = open[0];
        Assert.Equal("partial-startup", incident.GetProperty("monitor").GetString());
        var cause = incident.GetProperty("cause").GetString()!;
        Assert.StartsWith("log rule partial-startup (sequence): \"Starting Nest application\" was not followed by \"Listening on port\" within 1s for replica=1", cause);
        Assert.Contains("replica=1 | [Nest] 42", cause);
        Assert.DoesNotContain("[Nest] 41", cause);
        Assert.DoesNotContain(SigningSecret, cause);
        Assert.Contains("signing=***", cause);

        var alert = await _receiver.NextAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("partial-startup", alert.Body);
        Assert.DoesNotContain(SigningSecret, alert.Body);

        Hand(server, "[Nest] 42  - 11/29/2026, 10:00:09 AM     LOG [NestApplication] Listening on port 3697", "1");

        var resolved = await server.EventuallyAsync("/api/v1/incidents?open=false", l => l.GetArrayLength() == 1);
        Assert.Equal(incident.GetProperty("id").GetString(), resolved[0].GetProperty("id").GetString());
        Assert.Empty((await server.GetJsonAsync("/api/v1/incidents?open=true")).EnumerateArray());
    }

    [Fact]
    public async Task SequenceRule_IncidentOpenAtRestart_IsResumedAndResolvedByTheNextThen()
    {
        await using var server = await StartAsync();
        Hand(server, "Starting Nest application...", "0");
        var open = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);

        await server.RestartAsync();
        Assert.Equal(open[0].GetProperty("id").GetString(), (await server.GetJsonAsync("/api/v1/incidents?open=true"))[0].GetProperty("id").GetString());
        Hand(server, "Listening on port 3697", "0");

        var resolved = await server.EventuallyAsync("/api/v1/incidents?open=false", l => l.GetArrayLength() == 1);
        Assert.Equal(open[0].GetProperty("id").GetString(), resolved[0].GetProperty("id").GetString());
    }

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();
}
