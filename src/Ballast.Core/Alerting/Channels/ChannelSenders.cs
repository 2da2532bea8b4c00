namespace Ballast.Core.Alerting.Channels;

/// <summary>Every channel sender Ballast has: the one list the server and <c>ballast alert test</c> both use.</summary>
public static class ChannelSenders
{
    public static IReadOnlyList<IChannelSender> All(TimeProvider time) =>
    [
        new EmailSender(time),
        new WebhookSender(time),
        new SlackSender(),
        new DiscordSender(),
        new TeamsSender(),
        new PagerDutySender(),
        new OpsgenieSender(),
        new TelegramSender(),
        new NtfySender(),
        new TwilioSender(),
        new SmsWebhookSender(),
        new SnsSender(time),
    ];
}
