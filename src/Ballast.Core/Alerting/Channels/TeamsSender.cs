using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: teams</c>: a message with one Adaptive Card attachment, the body a Teams workflow posts to its channel.</summary>
public sealed class TeamsSender(IHttpClientFactory clients) : HttpChannelSender<TeamsChannelConfig>(clients)
{
    public override string Type => "teams";

    protected override Task<DeliveryReceipt> SendAsync(string channel, TeamsChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var body = new List<object>
        {
            new { type = "TextBlock", text = AlertText.Subject(m, config.Template), weight = "Bolder", size = "Medium", wrap = true,
                  color = m.Kind == NotificationKind.Resolved ? "Good" : "Attention" },
        };
        body.AddRange(AlertText.Plain(m, config.Template).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => (object)new { type = "TextBlock", text = block.Replace("\n", "\n\n", StringComparison.Ordinal), wrap = true }));
        return PostJsonAsync(channel, config.WebhookUrl, new
        {
            type = "message",
            attachments = new[]
            {
                new
                {
                    contentType = "application/vnd.microsoft.card.adaptive",
                    contentUrl = (string?)null,
                    content = new Dictionary<string, object>
                    {
                        ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                        ["type"] = "AdaptiveCard",
                        ["version"] = "1.4",
                        ["body"] = body,
                    },
                },
            },
        }, cancellationToken);
    }
}
