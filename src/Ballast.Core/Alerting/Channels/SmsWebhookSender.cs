using System.Text;
using System.Text.Json;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: sms_webhook</c>: one POST per recipient not yet accepted, the number and the text in the fields the gateway names.</summary>
public sealed class SmsWebhookSender(IHttpClientFactory clients) : HttpChannelSender<SmsWebhookChannelConfig>(clients)
{
    public override string Type => "sms_webhook";

    protected override async Task<DeliveryReceipt> SendAsync(string channel, SmsWebhookChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var text = SmsText.Of(notification.Message, config.Template);
        return await SendToEachAsync(notification, config.To, to =>
        {
            var fields = new Dictionary<string, string>(config.Fields) { [config.ToField] = to, [config.TextField] = text };
            var request = new HttpRequestMessage(HttpMethod.Post, config.Url)
            {
                Content = config.Format == SmsBodyFormat.Form
                    ? new FormUrlEncodedContent(fields)
                    : new StringContent(JsonSerializer.Serialize(fields), Encoding.UTF8, "application/json"),
            };
            foreach (var (name, value) in config.Headers) request.Headers.TryAddWithoutValidation(name, value);
            return PostAsync(channel, request, cancellationToken);
        });
    }
}

/// <summary>The words of a text message: the subject and, for one incident, its link; at most 320 characters.</summary>
public static class SmsText
{
    public static string Of(AlertMessage message, MessageTemplateConfig? template)
    {
        var text = AlertText.Subject(message, template);
        if (template?.Subject is null && message.Items.Count == 1) text += " " + AlertText.Link(message, message.Items[0]);
        return ShortText.Truncate(text, 320);
    }
}
