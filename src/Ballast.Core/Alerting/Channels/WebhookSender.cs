using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// <c>type: webhook</c>: POSTs JSON (Ballast's, or Alertmanager's version 4 payload). With a <c>secret</c>, the request
/// carries <c>X-Ballast-Timestamp</c> (unix seconds) and <c>X-Ballast-Signature: sha256=HEX</c>, the HMAC-SHA256 of
/// <c>timestamp + "." + body</c>, so a receiver can check origin and reject replays (docs/alerts.md).
/// </summary>
public sealed class WebhookSender(TimeProvider time, IHttpClientFactory clients) : HttpChannelSender<WebhookChannelConfig>(clients)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public override string Type => "webhook";

    protected override Task<DeliveryReceipt> SendAsync(string channel, WebhookChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var body = config.Format == WebhookFormat.Alertmanager ? AlertmanagerBody(channel, notification) : BallastBody(notification, config.Template);
        var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.UserAgent.ParseAdd("Ballast/1.0");
        foreach (var (name, value) in config.Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (config.Secret is not null)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.Add("X-Ballast-Timestamp", timestamp);
            request.Headers.Add("X-Ballast-Signature", "sha256=" + Sign(config.Secret, timestamp, body));
        }
        return PostAsync(channel, request, cancellationToken);
    }

    /// <summary>The signature a receiver recomputes: lower-case hex HMAC-SHA256 over <c>timestamp.body</c>.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public static string BallastBody(Notification n, MessageTemplateConfig? template = null)
    {
        var m = n.Message;
        return JsonSerializer.Serialize(new
        {
            version = "1",
            id = n.Id,
            kind = m.Kind.ToString().ToLowerInvariant(),
            severity = m.Severity.ToString().ToLowerInvariant(),
            title = AlertText.Subject(m, template),
            text = AlertText.Plain(m, template),
            dedupKey = n.DedupKey,
            createdAt = m.CreatedAt,
            incidents = m.Items.Select(i => new
            {
                id = i.IncidentId,
                monitor = i.Monitor,
                type = i.MonitorType,
                severity = i.Severity.ToString().ToLowerInvariant(),
                cause = i.Cause,
                startedAt = i.StartedAt,
                detectedAt = i.DetectedAt,
                resolvedAt = i.ResolvedAt,
                failedChecks = i.FailedChecks,
                runbook = i.Runbook,
                url = AlertText.Link(m, i),
            }),
        }, Json);
    }

    /// <summary>Alertmanager's webhook payload, version 4, one alert per incident.</summary>
    public static string AlertmanagerBody(string channel, Notification n)
    {
        var m = n.Message;
        var resolved = m.Kind == NotificationKind.Resolved;
        var alerts = m.Items.Select(i => new
        {
            status = resolved ? "resolved" : "firing",
            labels = new Dictionary<string, string>
            {
                ["alertname"] = i.Monitor,
                ["monitor"] = i.Monitor,
                ["type"] = i.MonitorType,
                ["severity"] = i.Severity.ToString().ToLowerInvariant(),
            },
            annotations = i.Runbook is null
                ? new Dictionary<string, string> { ["summary"] = i.Cause }
                : new Dictionary<string, string> { ["summary"] = i.Cause, ["runbook_url"] = i.Runbook },
            startsAt = i.StartedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            endsAt = i.ResolvedAt?.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "0001-01-01T00:00:00Z",
            generatorURL = AlertText.Link(m, i),
            fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(i.Monitor)))[..16],
        }).ToArray();
        var common = alerts.Length == 1 ? alerts[0].labels : new Dictionary<string, string>();
        return JsonSerializer.Serialize(new
        {
            receiver = channel,
            status = resolved ? "resolved" : "firing",
            alerts,
            groupLabels = new Dictionary<string, string>(),
            commonLabels = common,
            commonAnnotations = alerts.Length == 1 ? alerts[0].annotations : new Dictionary<string, string>(),
            externalURL = m.DashboardUrl,
            version = "4",
            groupKey = "{}:{" + n.DedupKey + "}",
            truncatedAlerts = 0,
        }, Json);
    }
}
