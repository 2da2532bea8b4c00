using System.Text;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: ntfy</c>: the message as the body of a POST to the topic URL, with Title, Priority, Tags and Click headers.</summary>
public sealed class NtfySender(IHttpClientFactory clients) : HttpChannelSender<NtfyChannelConfig>(clients)
{
    public override string Type => "ntfy";

    protected override Task<DeliveryReceipt> SendAsync(string channel, NtfyChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new StringContent(AlertText.Plain(m, config.Template).TrimEnd(), Encoding.UTF8, "text/plain") };
        request.Headers.TryAddWithoutValidation("Title", AlertText.Subject(m, config.Template));
        request.Headers.TryAddWithoutValidation("Priority", m.Kind == NotificationKind.Resolved ? "default" : m.Severity switch
        {
            Severity.Critical => "urgent",
            Severity.Warning => "high",
            _ => "default",
        });
        request.Headers.TryAddWithoutValidation("Tags", m.Kind == NotificationKind.Resolved ? "white_check_mark" : "rotating_light");
        if (m.Items.Count > 0) request.Headers.TryAddWithoutValidation("Click", AlertText.Link(m, m.Items[0]));
        if (config.Token is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + config.Token);
        return PostAsync(channel, request, cancellationToken);
    }
}
