using System.Globalization;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// <c>type: pagerduty</c>: Events API v2. One event per incident with <c>dedup_key</c> = the incident's id, so a
/// retried or grouped message can never page twice and the resolve closes exactly what the trigger opened.
/// Reminders are not sent: PagerDuty escalates by itself.
/// </summary>
public sealed class PagerDutySender(IHttpClientFactory clients) : HttpChannelSender<PagerDutyChannelConfig>(clients)
{
    public override string Type => "pagerduty";

    protected override async Task<DeliveryReceipt> SendAsync(string channel, PagerDutyChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        if (m.Kind == NotificationKind.Repeat) return new DeliveryReceipt("not sent: PagerDuty escalates open incidents itself");
        return await SendPerIncidentAsync(m.Items.Count > 0 ? m.Items : [Test(m)],
            item => PostJsonAsync(channel, config.ApiUrl, Event(config, m, item), cancellationToken));
    }

    private static object Event(PagerDutyChannelConfig config, AlertMessage m, AlertItem item) => m.Kind == NotificationKind.Resolved
        ? new { routing_key = config.RoutingKey, event_action = "resolve", dedup_key = item.IncidentId }
        : new
        {
            routing_key = config.RoutingKey,
            event_action = "trigger",
            dedup_key = item.IncidentId,
            payload = new
            {
                summary = ShortText.Truncate($"{item.Monitor} is DOWN: {item.Cause}", 1024),
                source = item.Monitor,
                severity = item.Severity switch { Severity.Critical => "critical", Severity.Warning => "warning", _ => "info" },
                timestamp = item.StartedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                component = item.Monitor,
                @class = item.MonitorType,
                custom_details = new { cause = item.Cause, failed_checks = item.FailedChecks, detected_at = item.DetectedAt },
            },
            client = "Ballast",
            client_url = AlertText.Link(m, item),
            links = item.Runbook is null
                ? new[] { new { href = AlertText.Link(m, item), text = "Incident in Ballast" } }
                : [new { href = AlertText.Link(m, item), text = "Incident in Ballast" }, new { href = item.Runbook, text = "Runbook" }],
        };

    private static AlertItem Test(AlertMessage m) =>
        new("ballast-test", "ballast", "test", Severity.Info, "test message from Ballast", m.CreatedAt, m.CreatedAt, null, 0, null);
}
