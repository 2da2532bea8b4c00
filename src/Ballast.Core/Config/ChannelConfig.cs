using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>One entry of <c>channels:</c>; its <c>type</c> selects the concrete record. The entry's key is its name.</summary>
[ConfigUnion("type")]
[ConfigCase("email", typeof(EmailChannelConfig))]
[ConfigCase("webhook", typeof(WebhookChannelConfig))]
[ConfigCase("slack", typeof(SlackChannelConfig))]
[ConfigCase("discord", typeof(DiscordChannelConfig))]
[ConfigCase("teams", typeof(TeamsChannelConfig))]
[ConfigCase("pagerduty", typeof(PagerDutyChannelConfig))]
[ConfigCase("opsgenie", typeof(OpsgenieChannelConfig))]
[ConfigCase("telegram", typeof(TelegramChannelConfig))]
[ConfigCase("ntfy", typeof(NtfyChannelConfig))]
[ConfigCase("twilio", typeof(TwilioChannelConfig))]
[ConfigCase("sms_webhook", typeof(SmsWebhookChannelConfig))]
[ConfigCase("sns", typeof(SnsChannelConfig))]
public abstract record ChannelConfig
{
    [Description("Longest one delivery attempt may take.")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    [Description("Your own words for this channel's messages (docs/alerts.md lists the {{placeholders}}).")]
    public MessageTemplateConfig? Template { get; init; }

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

    [Description("Extra request headers (an Authorization token); shown as ***.")]
    [Secret]
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

/// <summary><c>type: discord</c>: a Discord channel webhook.</summary>
public sealed record DiscordChannelConfig : ChannelConfig
{
    [Description("The webhook URL from the channel's Integrations settings.")]
    [Secret]
    public required Uri WebhookUrl { get; init; }

    [Description("Name the messages are posted under.")]
    public string Username { get; init; } = "Ballast";

    public override string Type => "discord";
}

/// <summary><c>type: teams</c>: a Microsoft Teams Workflows webhook ("when a Teams webhook request is received").</summary>
public sealed record TeamsChannelConfig : ChannelConfig
{
    [Description("The workflow's HTTP POST URL.")]
    [Secret]
    public required Uri WebhookUrl { get; init; }

    public override string Type => "teams";
}

/// <summary><c>type: pagerduty</c>: PagerDuty Events API v2; one alert per incident, triggered and resolved by the incident's key.</summary>
public sealed record PagerDutyChannelConfig : ChannelConfig
{
    [Description("The integration key of the PagerDuty service (Events API v2).")]
    [Secret]
    public required string RoutingKey { get; init; }

    [Description("Events API endpoint; change it for a proxy or a test receiver.")]
    public Uri ApiUrl { get; init; } = new("https://events.pagerduty.com/v2/enqueue");

    public override string Type => "pagerduty";
}

/// <summary><c>type: opsgenie</c>: Opsgenie Alert API; one alert per incident, created and closed by alias.</summary>
public sealed record OpsgenieChannelConfig : ChannelConfig
{
    [Description("API key of an Opsgenie API integration.")]
    [Secret]
    public required string ApiKey { get; init; }

    [Description("https://api.opsgenie.com, or https://api.eu.opsgenie.com for the EU instance.")]
    public Uri ApiUrl { get; init; } = new("https://api.opsgenie.com");

    [Description("Tags added to every alert.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    public override string Type => "opsgenie";
}

/// <summary><c>type: telegram</c>: a message from a Telegram bot to a chat.</summary>
public sealed record TelegramChannelConfig : ChannelConfig
{
    [Description("The bot's token from @BotFather.")]
    [Secret]
    public required string BotToken { get; init; }

    [Description("Chat id (a number, negative for groups) or @channelname.")]
    public required string ChatId { get; init; }

    [Description("Bot API endpoint.")]
    public Uri ApiUrl { get; init; } = new("https://api.telegram.org");

    public override string Type => "telegram";
}

/// <summary><c>type: ntfy</c>: a push notification through an ntfy server.</summary>
public sealed record NtfyChannelConfig : ChannelConfig
{
    [Description("Server and topic, e.g. https://ntfy.sh/acme-alerts.")]
    [Secret]
    public required Uri Url { get; init; }

    [Description("Access token for a protected topic.")]
    [Secret]
    public string? Token { get; init; }

    public override string Type => "ntfy";
}

/// <summary><c>type: twilio</c>: SMS through Twilio's Messages API, one message per recipient.</summary>
public sealed record TwilioChannelConfig : ChannelConfig, IValidatableConfig
{
    [Description("Account SID (AC...).")]
    public required string AccountSid { get; init; }

    [Description("Auth token.")]
    [Secret]
    public required string AuthToken { get; init; }

    [Description("Sending number in E.164 form, e.g. +15550001111.")]
    public required string From { get; init; }

    [Description("Recipient numbers in E.164 form.")]
    public required IReadOnlyList<string> To { get; init; }

    [Description("API endpoint.")]
    public Uri ApiUrl { get; init; } = new("https://api.twilio.com");

    public override string Type => "twilio";

    public void Validate(ConfigValidation validation)
    {
        if (!E164(From)) validation.Error("from", $"\"{From}\" is not a number in E.164 form (+ and up to 15 digits)");
        if (To.Count == 0) validation.Error("to", "needs at least one number");
        foreach (var to in To)
            if (!E164(to)) validation.Error("to", $"\"{to}\" is not a number in E.164 form (+ and up to 15 digits)");
    }

    internal static bool E164(string n) => n.Length is > 2 and <= 16 && n[0] == '+' && n.Skip(1).All(char.IsAsciiDigit);
}

/// <summary>How an SMS gateway wants its fields.</summary>
public enum SmsBodyFormat
{
    /// <summary>A JSON object.</summary>
    Json,
    /// <summary>application/x-www-form-urlencoded fields.</summary>
    Form,
}

/// <summary><c>type: sms_webhook</c>: any SMS gateway with an HTTP API: one POST per recipient with the number and the text.</summary>
public sealed record SmsWebhookChannelConfig : ChannelConfig, IValidatableConfig
{
    [Description("The gateway's send URL.")]
    [Secret]
    public required Uri Url { get; init; }

    [Description("Recipient numbers in E.164 form.")]
    public required IReadOnlyList<string> To { get; init; }

    [Description("json or form.")]
    public SmsBodyFormat Format { get; init; } = SmsBodyFormat.Json;

    [Description("Name of the field carrying the number.")]
    public string ToField { get; init; } = "to";

    [Description("Name of the field carrying the text.")]
    public string TextField { get; init; } = "text";

    [Description("Extra fields sent with every message (a sender id, an account).")]
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    [Description("Extra request headers (an API key).")]
    [Secret]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public override string Type => "sms_webhook";

    public void Validate(ConfigValidation validation)
    {
        if (To.Count == 0) validation.Error("to", "needs at least one number");
        foreach (var to in To)
            if (!TwilioChannelConfig.E164(to)) validation.Error("to", $"\"{to}\" is not a number in E.164 form (+ and up to 15 digits)");
    }
}

/// <summary><c>template:</c> of a channel: subject and body with <c>{{placeholders}}</c>; either may be left out.</summary>
public sealed record MessageTemplateConfig : IValidatableConfig
{
    /// <summary>Every placeholder a template may use.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
        ["kind", "monitor", "type", "severity", "cause", "since", "detected", "resolved", "duration", "failed_checks", "runbook", "url", "count", "monitors"];

    [Description("Subject line (email subject, chat title, SMS text); from the first incident, with {{count}} and {{monitors}} for groups.")]
    public string? Subject { get; init; }

    [Description("Body, written once per incident; a grouped message joins them with a blank line.")]
    public string? Body { get; init; }

    public void Validate(ConfigValidation validation)
    {
        foreach (var (key, text) in new[] { ("subject", Subject), ("body", Body) })
        {
            if (text is null) continue;
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\{\{\s*([a-z_]+)\s*\}\}"))
                if (!Placeholders.Contains(m.Groups[1].Value))
                {
                    var hint = ConfigShape.Suggest(m.Groups[1].Value, Placeholders) is { } h ? $"; did you mean {{{{{h}}}}}?" : "";
                    validation.Error(key, $"unknown placeholder {{{{{m.Groups[1].Value}}}}}{hint} (known: {string.Join(", ", Placeholders)})");
                }
        }
    }
}

/// <summary><c>type: sns</c>: SMS through Amazon SNS <c>Publish</c> (or an SNS-compatible API), signed with AWS Signature Version 4.</summary>
public sealed record SnsChannelConfig : ChannelConfig, IValidatableConfig
{
    [Description("AWS region, e.g. us-east-1.")]
    public required string Region { get; init; }

    [Description("Access key id of a user or role allowed sns:Publish.")]
    public required string AccessKeyId { get; init; }

    [Description("Its secret access key.")]
    [Secret]
    public required string SecretAccessKey { get; init; }

    [Description("Session token, for temporary credentials.")]
    [Secret]
    public string? SessionToken { get; init; }

    [Description("Recipient numbers in E.164 form.")]
    public required IReadOnlyList<string> To { get; init; }

    [Description("API endpoint; defaults to https://sns.REGION.amazonaws.com/ (set it for an SNS-compatible service).")]
    public Uri? ApiUrl { get; init; }

    /// <summary>Where requests go.</summary>
    [ConfigIgnore]
    public Uri Endpoint => ApiUrl ?? new Uri($"https://sns.{Region}.amazonaws.com/");

    public override string Type => "sns";

    public void Validate(ConfigValidation validation)
    {
        if (To.Count == 0) validation.Error("to", "needs at least one number");
        foreach (var to in To)
            if (!TwilioChannelConfig.E164(to)) validation.Error("to", $"\"{to}\" is not a number in E.164 form (+ and up to 15 digits)");
        if (Region.Length == 0 || !Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            validation.Error("region", $"\"{Region}\" is not an AWS region name such as us-east-1");
    }
}
