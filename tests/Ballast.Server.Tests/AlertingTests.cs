using System.Text.Json;
using Ballast.Core.Alerting.Channels;
using Ballast.Testing;

namespace Ballast.Server.Tests;

/// <summary>Incidents from a real server reaching local receivers that check each service's request format.</summary>
public sealed class AlertingTests : IAsyncLifetime
{
    private TargetWithAlerts _api = null!;

    public async ValueTask InitializeAsync() => _api = await TargetWithAlerts.StartAsync();

    private string Monitor(string name, string extra = "") => $$"""
          - name: {{name}}
            type: http
            url: {{_api.Health}}
            interval: 200ms
            retry_interval: 100ms
            failure_threshold: 2
            severity: critical
            runbook: https://runbooks.example.com/{{name}}
            conditions: ["[STATUS] == 200"]
            {{extra}}
        """;

    private string Channels(string format = "ballast") => $$"""
        channels:
          hooks: { type: webhook, url: "{{_api.Receiver.Url("/hooks/ballast?team=api")}}", secret: "s3cret", format: {{format}}, headers: { X-Team: api } }
          chat: { type: slack, webhook_url: "{{_api.Receiver.Url("/services/T000/B000/XXXX")}}" }
        alerting:
          group_wait: 1s
          routes:
            - match: { severity: critical }
              channels: [hooks]
        """;

    [Fact]
    public async Task Webhook_IncidentAndRecovery_SignedRequestsInTheDocumentedShape()
    {
        await using var server = await ServerHarness.StartAsync(Monitor("api"), Channels());
        await server.EventuallyAsync("/api/v1/monitors", l => l[0].GetProperty("state").GetString() == "UP");

        _api.Status = 503;
        var firing = await _api.Receiver.NextAsync();

        Assert.Equal("POST", firing.Method);
        Assert.Equal("/hooks/ballast?team=api", firing.Path);
        Assert.StartsWith("application/json", firing.Headers["Content-Type"]);
        Assert.Equal("api", firing.Headers["X-Team"]);
        Assert.Equal("sha256=" + WebhookSender.Sign("s3cret", firing.Headers["X-Ballast-Timestamp"], firing.Body), firing.Headers["X-Ballast-Signature"]);
        var body = JsonDocument.Parse(firing.Body).RootElement;
        Assert.Equal("firing", body.GetProperty("kind").GetString());
        Assert.Equal("critical", body.GetProperty("severity").GetString());
        Assert.Equal("[CRITICAL] api is DOWN: [STATUS] == 200 failed: got 503", body.GetProperty("title").GetString());
        var incident = body.GetProperty("incidents")[0];
        Assert.Equal("api", incident.GetProperty("monitor").GetString());
        Assert.Equal("[STATUS] == 200 failed: got 503", incident.GetProperty("cause").GetString());
        Assert.Equal(2, incident.GetProperty("failedChecks").GetInt32());
        Assert.Equal("https://runbooks.example.com/api", incident.GetProperty("runbook").GetString());
        Assert.Equal($"https://status.example.com/incidents/{incident.GetProperty("id").GetString()}", incident.GetProperty("url").GetString());
        Assert.Contains("Runbook: https://runbooks.example.com/api", body.GetProperty("text").GetString());

        _api.Status = 200;
        var resolved = JsonDocument.Parse((await _api.Receiver.NextAsync()).Body).RootElement;
        Assert.Equal("resolved", resolved.GetProperty("kind").GetString());
        Assert.StartsWith("[RESOLVED] api is UP after ", resolved.GetProperty("title").GetString());
        Assert.Equal(incident.GetProperty("id").GetString(), resolved.GetProperty("incidents")[0].GetProperty("id").GetString());

        var delivered = await server.EventuallyAsync("/api/v1/notifications?status=delivered", l => l.GetArrayLength() == 2);
        Assert.All(delivered.EnumerateArray(), n => Assert.Equal("200 OK: ok", n.GetProperty("response").GetString()));
    }

    [Fact]
    public async Task Webhook_AlertmanagerFormat_IsPayloadVersion4()
    {
        await using var server = await ServerHarness.StartAsync(Monitor("api"), Channels("alertmanager"));
        await server.EventuallyAsync("/api/v1/monitors", l => l[0].GetProperty("state").GetString() == "UP");

        _api.Status = 503;
        var body = JsonDocument.Parse((await _api.Receiver.NextAsync()).Body).RootElement;

        Assert.Equal("4", body.GetProperty("version").GetString());
        Assert.Equal("firing", body.GetProperty("status").GetString());
        Assert.Equal("hooks", body.GetProperty("receiver").GetString());
        Assert.Equal("https://status.example.com/", body.GetProperty("externalURL").GetString());
        Assert.Equal(0, body.GetProperty("truncatedAlerts").GetInt32());
        var alert = body.GetProperty("alerts")[0];
        Assert.Equal("api", alert.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("critical", alert.GetProperty("labels").GetProperty("severity").GetString());
        Assert.Equal("[STATUS] == 200 failed: got 503", alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", alert.GetProperty("endsAt").GetString());
        Assert.Equal(16, alert.GetProperty("fingerprint").GetString()!.Length);
        Assert.True(body.TryGetProperty("groupKey", out _));
    }

    [Fact]
    public async Task Slack_MonitorOverride_PostsTextAndBlocks()
    {
        await using var server = await ServerHarness.StartAsync(Monitor("web", "channels: [chat]"), Channels());
        await server.EventuallyAsync("/api/v1/monitors", l => l[0].GetProperty("state").GetString() == "UP");

        _api.Status = 503;
        var request = await _api.Receiver.NextAsync();

        Assert.Equal("/services/T000/B000/XXXX", request.Path);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("[CRITICAL] web is DOWN: [STATUS] == 200 failed: got 503", body.GetProperty("text").GetString());
        var section = body.GetProperty("blocks")[0];
        Assert.Equal("section", section.GetProperty("type").GetString());
        Assert.Equal("mrkdwn", section.GetProperty("text").GetProperty("type").GetString());
        Assert.Contains("*[CRITICAL] web is DOWN", section.GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Grouping_FiftyMonitorsDownTogether_OneMessagePerChannel()
    {
        var monitors = string.Join("\n", Enumerable.Range(0, 50).Select(i => Monitor($"svc-{i:00}")));
        await using var server = await ServerHarness.StartAsync(monitors, Channels());
        await server.EventuallyAsync("/api/v1/monitors", l => l.EnumerateArray().All(m => m.GetProperty("state").GetString() == "UP"));

        _api.Status = 503;
        var request = await _api.Receiver.NextAsync();
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 50);

        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(50, body.GetProperty("incidents").GetArrayLength());
        Assert.StartsWith("[CRITICAL] 50 monitors are DOWN: ", body.GetProperty("title").GetString());
        await Task.Delay(TimeSpan.FromSeconds(2)); // two more group windows: nothing else may arrive
        Assert.Single(_api.Receiver.Requests);
    }

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();
}
