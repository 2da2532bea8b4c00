using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MimeKit;

namespace Ballast.Server.Tests;

/// <summary>The acceptance drill in real time: the SMTP server is down for two minutes while alerts queue up.</summary>
public sealed class SmtpOutageTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestWebServer _target = null!;
    private TestSmtpServer _smtp = null!;

    public async ValueTask InitializeAsync()
    {
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.StatusCode(503)));
        _smtp = await TestSmtpServer.StartAsync(_dir.File("maildir"));
    }

    [Fact]
    public async Task SmtpDownForTwoMinutes_EveryQueuedEmailArrivesOnce()
    {
        await _smtp.StopAsync();
        var monitors = string.Join("\n", Enumerable.Range(1, 3).Select(i => $$"""
              - { name: api-{{i}}, type: http, url: "{{_target.Url("/health")}}", interval: 1m, retry_interval: 200ms, failure_threshold: 2, channels: [mail] }
            """));
        await using var server = await ServerHarness.StartAsync(monitors, $$"""
            channels:
              mail: { type: email, smtp: { host: 127.0.0.1, port: {{_smtp.Port}}, tls: none }, from: ballast@example.com, to: [oncall@example.com] }
            alerting: { group_wait: 0s }
            """);
        await server.EventuallyAsync("/api/v1/notifications?status=pending", l => l.GetArrayLength() == 3 && l.EnumerateArray().All(n => n.GetProperty("attempts").GetInt32() >= 1), seconds: 90);

        await Task.Delay(TimeSpan.FromMinutes(2));
        Assert.Empty(_smtp.Messages);
        await _smtp.StartAsync();
        await server.EventuallyAsync("/api/v1/notifications?status=delivered", l => l.GetArrayLength() == 3, seconds: 240);
        await Task.Delay(TimeSpan.FromSeconds(2)); // room for a duplicate to show

        var subjects = new List<string>();
        foreach (var file in _smtp.Messages) subjects.Add((await MimeMessage.LoadAsync(file)).Subject ?? "");
        Assert.Equal(["api-1", "api-2", "api-3"], subjects.Select(s => s.Split(' ')[1]).Order(StringComparer.Ordinal));
        Assert.Empty((await server.GetJsonAsync("/api/v1/notifications?status=failed")).EnumerateArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _smtp.DisposeAsync();
        await _target.DisposeAsync();
        _dir.Dispose();
    }
}
