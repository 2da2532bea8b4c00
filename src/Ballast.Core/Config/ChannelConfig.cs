using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>One entry of <c>channels:</c>; its <c>type</c> selects the concrete record. The entry's key is its name.</summary>
[ConfigUnion("type")]
[ConfigCase("email", typeof(EmailChannelConfig))]
[ConfigCase("webhook", typeof(WebhookChannelConfig))]
[ConfigCase("slack", typeof(SlackChannelConfig))]
public abstract record ChannelConfig
{
    [Description("Longest one delivery attempt may take.")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>type:</c> value.</summary>
    [ConfigIgnore]
    public abstract string Type { get; }
}

/// <summary>How an SMTP connection is secured.</summary>
public enum SmtpTls
{
    /// <summary>Plain text (a relay on localhost only).</summary>
    None,
    /// <summary>TLS from the first byte (port 465).</summary>
    Ssl,
    /// <summary>Plain, then upgraded with STARTTLS, which must succeed (port 587).</summary>
    Starttls,
}

/// <summary><c>smtp:</c> of an email channel.</summary>
public sealed record SmtpConfig : IValidatableConfig
{
    [Description("SMTP server host.")]
    public required string Host { get; init; }

    [Description("SMTP server port.")]
    public int Port { get; init; } = 587;

    [Description("User for AUTH; leave out for a server that needs none.")]
    public string? Username { get; init; }

    [Description("Password for AUTH.")]
    [Secret]
    public string? Password { get; init; }

    [Description("none, ssl (TLS from the start, usually port 465) or starttls (usually 587).")]
    public SmtpTls Tls { get; init; } = SmtpTls.Starttls;

    [Description("Verify the server's certificate (chain and name). Turn off only for a relay you run yourself.")]
    public bool TlsVerify { get; init; } = true;

    [Description("PEM file of a private CA to trust for the server's certificate instead of the system's roots.")]
    public string? CaFile { get; init; }

    public void Validate(ConfigValidation validation)
    {
        if (Port is < 1 or > 65535) validation.Error("port", "must be between 1 and 65535");
        if (Username is not null && Password is null) validation.Error("password", "is needed with username");
    }
}

/// <summary><c>type: email</c>: a message over SMTP with text and HTML bodies.</summary>
public sealed record EmailChannelConfig : ChannelConfig, IValidatableConfig
{
    [Description("The SMTP server.")]
    public required SmtpConfig Smtp { get; init; }

    [Description("Sender address.")]
    public required string From { get; init; }

    [Description("Recipient addresses.")]
    public required IReadOnlyList<string> To { get; init; }

    public override string Type => "email";

    public void Validate(ConfigValidation validation)
    {
        if (!MimeAddress(From)) validation.Error("from", $"\"{From}\" is not an email address");
        if (To.Count == 0) validation.Error("to", "needs at least one address");
        foreach (var to in To)
            if (!MimeAddress(to)) validation.Error("to", $"\"{to}\" is not an email address");
    }

    private static bool MimeAddress(string text) => System.Net.Mail.MailAddress.TryCreate(text, out _);
}

/// <summary>Body formats a webhook channel can send.</summary>
public enum WebhookFormat
{
    /// <summary>Ballast's own JSON (docs/alerts.md).</summary>
    Ballast,
    /// <summary>Alertmanager's webhook payload, version 4, so existing receivers work unchanged.</summary>
    Alertmanager,
}

/// <summary><c>type: webhook</c>: a POST of JSON to any URL, optionally signed.</summary>
public sealed record WebhookChannelConfig : ChannelConfig
{
    [Description("URL to POST to.")]
    [Secret]
    public required Uri Url { get; init; }

    [Description("Key for the X-Ballast-Signature header (HMAC-SHA256 of timestamp and body).")]
    [Secret]
    public string? Secret { get; init; }

    [Description("Extra request headers.")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    [Description("ballast or alertmanager (webhook payload version 4).")]
    public WebhookFormat Format { get; init; } = WebhookFormat.Ballast;

    public override string Type => "webhook";
}

/// <summary><c>type: slack</c>: a Slack incoming webhook.</summary>
public sealed record SlackChannelConfig : ChannelConfig
{
    [Description("The incoming webhook URL Slack gave you.")]
    [Secret]
    public required Uri WebhookUrl { get; init; }

    public override string Type => "slack";
}
