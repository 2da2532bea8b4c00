using Ballast.Core.Config;
using Ballast.Core.Monitoring.Probes;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Ballast.Core.Alerting.Channels;

/// <summary><c>type: email</c>: SMTP through MailKit (none, SSL or STARTTLS; AUTH when a user is set), text and HTML bodies.</summary>
public sealed class EmailSender(TimeProvider time) : ChannelSender<EmailChannelConfig>
{
    public override string Type => "email";

    protected override async Task<DeliveryReceipt> SendAsync(string channel, EmailChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        var m = notification.Message;
        var message = new MimeMessage { Subject = AlertText.Subject(m, config.Template) };
        message.From.Add(MailboxAddress.Parse(config.From));
        foreach (var to in config.To) message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add("X-Ballast-Notification", notification.Id);
        message.Body = new BodyBuilder { TextBody = AlertText.Plain(m, config.Template), HtmlBody = AlertText.Html(m, config.Template) }.ToMessageBody();

        using var smtp = new SmtpClient();
        smtp.Timeout = (int)config.Timeout.TotalMilliseconds;
        string? certificateProblem = null;
        smtp.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (!config.Smtp.TlsVerify) return true;
            certificateProblem = CertificateCheck.Problem(certificate, chain, errors, config.Smtp.Host, config.Smtp.CaFile, time.GetUtcNow());
            return certificateProblem is null;
        };
        var security = config.Smtp.Tls switch
        {
            SmtpTls.Ssl => SecureSocketOptions.SslOnConnect,
            SmtpTls.Starttls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        try
        {
            await smtp.ConnectAsync(config.Smtp.Host, config.Smtp.Port, security, cancellationToken);
            if (config.Smtp.Username is not null) await smtp.AuthenticateAsync(config.Smtp.Username, config.Smtp.Password ?? "", cancellationToken);
            var answer = await smtp.SendAsync(message, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            return new DeliveryReceipt(answer);
        }
        catch (SslHandshakeException e) when (certificateProblem is not null)
        {
            // MailKit's own text lists the machine's chain errors; the reason Ballast refused the certificate is the one to act on.
            throw new System.Security.Authentication.AuthenticationException(
                $"TLS with SMTP server {config.Smtp.Host}:{config.Smtp.Port} refused: {certificateProblem}", e);
        }
        catch (AuthenticationException e)
        {
            throw new PermanentDeliveryException($"SMTP login as {config.Smtp.Username} refused: {e.Message}", e);
        }
        catch (SmtpCommandException e) when (e.StatusCode is >= (SmtpStatusCode)500)
        {
            throw new PermanentDeliveryException($"SMTP server refused: {(int)e.StatusCode} {e.Message}", e);
        }
    }
}
