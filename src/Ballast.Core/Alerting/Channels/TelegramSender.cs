using System.Net;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: telegram</c>: Bot API <c>sendMessage</c> with HTML formatting; Telegram answers <c>{"ok":true,...}</c>.</summary>
public sealed class TelegramSender(IHttpClientFactory clients) : HttpChannelSender<TelegramChannelConfig>(clients)
{
    public override string Type => "telegram";

    protected override Task<DeliveryReceipt> SendAsync(string channel, TelegramChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var text = ShortText.Truncate($"<b>{WebUtility.HtmlEncode(AlertText.Subject(m, config.Template))}</b>\n\n{WebUtility.HtmlEncode(AlertText.Plain(m, config.Template).TrimEnd())}", 4096);
        return PostJsonAsync(channel, new Uri(config.ApiUrl, $"/bot{config.BotToken}/sendMessage"), new
        {
            chat_id = config.ChatId,
            text,
            parse_mode = "HTML",
            disable_web_page_preview = true,
        }, cancellationToken);
    }
}
