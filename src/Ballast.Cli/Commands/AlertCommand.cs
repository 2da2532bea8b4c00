using System.CommandLine;
using Ballast.Core;
using Ballast.Core.Alerting;
using Ballast.Core.Alerting.Channels;
using Ballast.Core.Config;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast alert test CHANNEL</c>: sends a test message now and prints what the service answered.</summary>
internal static class AlertCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var channel = new Argument<string>("channel") { Description = "Channel name under channels:" };
        var test = new Command("test", "Send a test message through a channel and show the service's answer") { channel, config };
        ConfigOption.SetAction(test, config, async (loaded, parse, ct) =>
        {
            var name = parse.GetValue(channel)!;
            if (!loaded.Channels.TryGetValue(name, out var settings))
            {
                var hint = ConfigShape.Suggest(name, loaded.Channels.Keys) is { } s ? $"; did you mean \"{s}\"?" : "";
                Console.Error.WriteLine($"ballast alert test: no channel named \"{name}\" under channels:{hint}");
                return ExitCodes.ConfigInvalid;
            }
            var now = TimeProvider.System.GetUtcNow();
            var notification = new Notification(Guid.CreateVersion7(now).ToString("N"), name,
                new AlertMessage(NotificationKind.Test, [], (loaded.Server.PublicUrl ?? loaded.Server.Listen).ToString(), now),
                "ballast-test", NotificationStatus.Pending, 0, now, now);
            // The container disposes the senders (and their HTTP handlers) when the verb ends.
            await using var channels = new ServiceCollection().AddBallastChannels().BuildServiceProvider();
            var sender = channels.GetServices<IChannelSender>().Single(s => s.Type == settings.Type);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.Timeout);
            try
            {
                var receipt = await sender.SendAsync(name, settings, notification, timeout.Token);
                Console.WriteLine($"{name} ({settings.Type}): delivered; the service answered: {receipt.Response}");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var why = e is OperationCanceledException ? $"timed out after {Duration.Format(settings.Timeout)}" : e.Message;
                Console.Error.WriteLine($"{name} ({settings.Type}): not delivered: {why}");
                return ExitCodes.CheckFailed;
            }
        });
        return new Command("alert", "Alert channels") { test };
    }
}
