using System.Globalization;
using System.Text;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting.Channels;

/// <summary>
/// <c>type: sns</c>: one <c>Publish</c> per number not yet accepted (Query API, form-encoded, Version 2010-03-31, SMS type
/// Transactional), signed with Signature Version 4 for service <c>sns</c>. SNS answers XML with a MessageId.
/// </summary>
public sealed class SnsSender(TimeProvider time, IHttpClientFactory clients) : HttpChannelSender<SnsChannelConfig>(clients)
{
    public override string Type => "sns";

    protected override async Task<DeliveryReceipt> SendAsync(string channel, SnsChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var text = SmsText.Of(notification.Message, config.Template);
        return await SendToEachAsync(notification, config.To, to =>
        {
            var body = string.Join('&', new[]
            {
                ("Action", "Publish"),
                ("Message", text),
                ("MessageAttributes.entry.1.Name", "AWS.SNS.SMS.SMSType"),
                ("MessageAttributes.entry.1.Value.DataType", "String"),
                ("MessageAttributes.entry.1.Value.StringValue", "Transactional"),
                ("PhoneNumber", to),
                ("Version", "2010-03-31"),
            }.Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}"));
            var payload = Encoding.UTF8.GetBytes(body);
            var amzDate = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var url = config.Endpoint;
            var contentType = "application/x-www-form-urlencoded; charset=utf-8";
            var signed = new Dictionary<string, string> { ["content-type"] = contentType, ["host"] = url.Authority, ["x-amz-date"] = amzDate };
            if (config.SessionToken is not null) signed["x-amz-security-token"] = config.SessionToken;

            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
            if (config.SessionToken is not null) request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", config.SessionToken);
            request.Headers.TryAddWithoutValidation("Authorization",
                AwsSigV4.Authorization("POST", url, signed, payload, config.AccessKeyId, config.SecretAccessKey, config.Region, "sns", amzDate));
            return PostAsync(channel, request, cancellationToken);
        });
    }
}
