using System.Text;
using System.Text.Json;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: slack</c>: an incoming webhook; Slack answers <c>ok</c>, or a 4xx such as <c>invalid_payload</c> or <c>no_service</c>.</summary>
public sealed class SlackSender(IHttpClientFactory clients) : HttpChannelSender<SlackChannelConfig>(clients)
{
    public override string Type => "slack";

    protected override Task<DeliveryReceipt> SendAsync(string channel, SlackChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, config.WebhookUrl)
        {
            Content = new StringContent(Body(notification, config.Template), Encoding.UTF8, "application/json"),
        };
        return PostAsync(channel, request, cancellationToken);
    }

    /// <summary><c>text</c> is the notification fallback; the section block carries the same words in mrkdwn.</summary>
    public static string Body(Notification notification, MessageTemplateConfig? template = null)
    {
        var m = notification.Message;
        var subject = AlertText.Subject(m, template);
        var text = ShortText.Truncate($"*{Escape(subject)}*\n{Escape(AlertText.Plain(m, template).TrimEnd())}", 2900);
        return JsonSerializer.Serialize(new
        {
            text = subject,
            blocks = new object[] { new { type = "section", text = new { type = "mrkdwn", text } } },
        });
    }

    // Slack's mrkdwn reserves these three.
    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
