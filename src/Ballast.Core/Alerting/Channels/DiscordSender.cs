using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: discord</c>: <c>content</c> (at most 2,000 characters) plus an embed coloured by state; Discord answers 204.</summary>
public sealed class DiscordSender : HttpChannelSender<DiscordChannelConfig>
{
    public override string Type => "discord";

    protected override Task<DeliveryReceipt> SendAsync(string channel, DiscordChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var description = AlertText.Plain(m, config.Template);
        if (description.Length > 4000) description = description[..4000] + "…";
        var color = m.Kind == NotificationKind.Resolved ? 0x1A7F37 : m.Severity == Severity.Critical ? 0xCF222E : 0x9A6700;
        return PostJsonAsync(config.WebhookUrl, new
        {
            username = config.Username,
            content = Truncate(AlertText.Subject(m, config.Template), 2000),
            embeds = new[] { new { title = Truncate(AlertText.Subject(m, config.Template), 256), description, color } },
        }, cancellationToken);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
