using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// <c>type: opsgenie</c>: Alert API v2 with <c>Authorization: GenieKey KEY</c>. One alert per incident, its
/// <c>alias</c> the incident's id (Opsgenie deduplicates on it); resolving closes the alert by alias.
/// </summary>
public sealed class OpsgenieSender(IHttpClientFactory clients) : HttpChannelSender<OpsgenieChannelConfig>(clients)
{
    public override string Type => "opsgenie";

    protected override async Task<DeliveryReceipt> SendAsync(string channel, OpsgenieChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        if (m.Kind == NotificationKind.Repeat) return new DeliveryReceipt("not sent: Opsgenie notifies open alerts by its own policy");
        void Auth(HttpRequestMessage r) => r.Headers.TryAddWithoutValidation("Authorization", "GenieKey " + config.ApiKey);
        return await SendPerIncidentAsync(m.Items, item => m.Kind == NotificationKind.Resolved
            ? PostJsonAsync(channel, new Uri(config.ApiUrl, $"/v2/alerts/{Uri.EscapeDataString(item.IncidentId)}/close?identifierType=alias"),
                new { source = "Ballast", note = $"Resolved after {Duration.Format(TimeSpan.FromSeconds(Math.Round((item.Duration ?? TimeSpan.Zero).TotalSeconds)))}" },
                cancellationToken, Auth)
            : PostJsonAsync(channel, new Uri(config.ApiUrl, "/v2/alerts"), Alert(config, m, item), cancellationToken, Auth));
    }

    private static object Alert(OpsgenieChannelConfig config, AlertMessage m, AlertItem item) => new
    {
        message = ShortText.Truncate($"{item.Monitor} is DOWN: {item.Cause}", 130),
        alias = item.IncidentId,
        description = ShortText.Truncate(AlertText.Plain(m with { Items = [item] }, config.Template), 15000),
        priority = item.Severity switch { Severity.Critical => "P1", Severity.Warning => "P3", _ => "P5" },
        source = "Ballast",
        entity = item.Monitor,
        tags = config.Tags.Append(item.MonitorType).ToArray(),
        details = new Dictionary<string, string>
        {
            ["monitor"] = item.Monitor,
            ["cause"] = item.Cause,
            ["incident"] = AlertText.Link(m, item),
            ["runbook"] = item.Runbook ?? "",
        },
    };
}
