using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: discord</c>: <c>content</c> (at most 2,000 characters) plus an embed coloured by state; Discord answers 204.</summary>
public sealed class DiscordSender(IHttpClientFactory clients) : HttpChannelSender<DiscordChannelConfig>(clients)
{
    public override string Type => "discord";

    protected override Task<DeliveryReceipt> SendAsync(string channel, DiscordChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var description = ShortText.Truncate(AlertText.Plain(m, config.Template), 4000);
        var color = m.Kind == NotificationKind.Resolved ? 0x1A7F37 : m.Severity == Severity.Critical ? 0xCF222E : 0x9A6700;
        return PostJsonAsync(channel, config.WebhookUrl, new
        {
            username = config.Username,
            content = ShortText.Truncate(AlertText.Subject(m, config.Template), 2000),
            embeds = new[] { new { title = ShortText.Truncate(AlertText.Subject(m, config.Template), 256), description, color } },
        }, cancellationToken);
    }
}
