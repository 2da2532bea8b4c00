using System.Net.Http.Headers;
using System.Text;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// <c>type: twilio</c>: Messages API, <c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c> with form fields
/// To, From and Body and HTTP basic auth (SID and token); one message per recipient not yet accepted. SMS is short: the subject only.
/// </summary>
public sealed class TwilioSender(IHttpClientFactory clients) : HttpChannelSender<TwilioChannelConfig>(clients)
{
    public override string Type => "twilio";

    protected override async Task<DeliveryReceipt> SendAsync(string channel, TwilioChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var text = SmsText.Of(m, config.Template);
        var url = new Uri(config.ApiUrl, $"/2010-04-01/Accounts/{Uri.EscapeDataString(config.AccountSid)}/Messages.json");
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{config.AccountSid}:{config.AuthToken}")));
        return await SendToEachAsync(notification, config.To, to =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new FormUrlEncodedContent([new("To", to), new("From", config.From), new("Body", text)]),
            };
            request.Headers.Authorization = auth;
            return PostAsync(channel, request, cancellationToken);
        });
    }
}
