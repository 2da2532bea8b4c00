using System.ComponentModel;
using System.Net;
using Ballast.Core.Conditions;
using Cronos;

namespace Ballast.Core.Config;

/// <summary>One entry of <c>monitors:</c>; its <c>type</c> selects the concrete record.</summary>
[ConfigUnion("type")]
[ConfigCase("http", typeof(HttpMonitorConfig))]
[ConfigCase("tcp", typeof(TcpMonitorConfig))]
[ConfigCase("tls", typeof(TlsMonitorConfig))]
[ConfigCase("dns", typeof(DnsMonitorConfig))]
[ConfigCase("heartbeat", typeof(HeartbeatMonitorConfig))]
public abstract record MonitorConfig : IValidatableConfig
{
    [Description("Unique name; used in the API, in alerts and in push URLs.")]
    public required string Name { get; init; }

    [Description("Time between checks while the monitor is up.")]
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    [Description("Longest a single check may take before it counts as failed.")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    [Description("Time between checks while failing (before and during an incident). Defaults to the smaller of interval and 10s.")]
    public TimeSpan? RetryInterval { get; init; }

    [Description("Failed checks in a row that make the monitor DOWN and open an incident.")]
    public int FailureThreshold { get; init; } = 2;

    [Description("Passing checks in a row that make a DOWN monitor UP again and resolve the incident.")]
    public int SuccessThreshold { get; init; } = 1;

    [Description("info, warning or critical; alert routes match on it.")]
    public Severity Severity { get; init; } = Severity.Warning;

    [Description("Free-form labels for routing and filtering.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("Link to what to do when this monitor is down; included in alerts.")]
    public string? Runbook { get; init; }

    [Description("Stops checking without removing the monitor or its history.")]
    public bool Paused { get; init; }

    [Description("Channels to notify for this monitor, instead of what alerting.routes would choose.")]
    public IReadOnlyList<string>? Channels { get; init; }

    [Description("All must pass for a check to pass. Each monitor type has defaults (docs/configuration.md).")]
    public IReadOnlyList<Condition> Conditions
    {
        get => _conditions;
        init
        {
            _conditions = value;
            RecomputeEffectiveConditions();
        }
    }

    private readonly IReadOnlyList<Condition> _conditions = [];
    private IReadOnlyList<Condition>? _effectiveConditions;

    /// <summary>The <c>type:</c> value.</summary>
    [ConfigIgnore]
    public abstract string Type { get; }

    /// <summary>What the conditions of this monitor type can look at.</summary>
    [ConfigIgnore]
    public abstract IReadOnlySet<Placeholder> Placeholders { get; }

    /// <summary>Conditions used when none are written.</summary>
    [ConfigIgnore]
    public abstract IReadOnlyList<Condition> DefaultConditions { get; }

    /// <summary>
    /// The conditions a check evaluates: the written ones, or the type's defaults. Worked out when the keys they come
    /// from are set (at load), never on a check.
    /// </summary>
    [ConfigIgnore]
    public IReadOnlyList<Condition> EffectiveConditions => _effectiveConditions ?? DefaultConditions;

    /// <summary>What <see cref="EffectiveConditions"/> comes to; a type with keys that add conditions extends it.</summary>
    protected virtual IReadOnlyList<Condition> ComputeEffectiveConditions() => Conditions.Count > 0 ? Conditions : DefaultConditions;

    /// <summary>Called by the init accessor of every key <see cref="ComputeEffectiveConditions"/> reads.</summary>
    protected void RecomputeEffectiveConditions() => _effectiveConditions = ComputeEffectiveConditions();

    /// <summary>Cadence while failing.</summary>
    [ConfigIgnore]
    public TimeSpan EffectiveRetryInterval => RetryInterval ?? (Interval < TimeSpan.FromSeconds(10) ? Interval : TimeSpan.FromSeconds(10));

    public virtual void Validate(ConfigValidation validation)
    {
        if (!Names.Valid().IsMatch(Name)) validation.Error("name", $"\"{Name}\" is not a valid name: {Names.Rule}");
        if (Interval < TimeSpan.FromMilliseconds(100)) validation.Error("interval", "must be at least 100ms");
        if (Timeout <= TimeSpan.Zero) validation.Error("timeout", "must be more than 0s");
        if (RetryInterval is { } retry && retry < TimeSpan.FromMilliseconds(100)) validation.Error("retry_interval", "must be at least 100ms");
        if (FailureThreshold < 1) validation.Error("failure_threshold", "must be at least 1");
        if (SuccessThreshold < 1) validation.Error("success_threshold", "must be at least 1");
        foreach (var condition in Conditions)
            if (!Placeholders.Contains(condition.Placeholder))
                validation.Error("conditions", $"[{PlaceholderNames.Of(condition.Placeholder)}] is not available on {Type} monitors (they offer {string.Join(", ", Placeholders.Order().Select(p => $"[{PlaceholderNames.Of(p)}]"))})");
    }

    protected static IReadOnlySet<Placeholder> Set(params Placeholder[] placeholders) => new HashSet<Placeholder>(placeholders);

    /// <summary>Checks a <c>host:port</c> target.</summary>
    protected static void ValidateTarget(ConfigValidation validation, string key, string target)
    {
        if (!HostPort.TryParse(target, out _, out _))
            validation.Error(key, $"\"{target}\" is not host:port (e.g. api.example.com:443 or [::1]:5432)");
    }
}

/// <summary><c>type: http</c>: a request to a URL, judged by status, headers, body and timing.</summary>
public sealed record HttpMonitorConfig : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> Offered = Set(Placeholder.Status, Placeholder.Body, Placeholder.Header,
        Placeholder.ResponseTime, Placeholder.CertExpiry, Placeholder.Connected);
    private static readonly IReadOnlyList<Condition> Defaults = [Condition.Parse("[STATUS] >= 200"), Condition.Parse("[STATUS] < 300")];

    [Description("The URL to request.")]
    public required Uri Url { get; init; }

    [Description("HTTP method.")]
    public string Method { get; init; } = "GET";

    [Description("Request headers.")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    [Description("Request body.")]
    public string? Body { get; init; }

    [Description("Follow redirects (up to 10); when false a 3xx is the answer.")]
    public bool FollowRedirects { get; init; } = true;

    [Description("Verify the server's certificate chain and name. Turn off only for a server you cannot fix.")]
    public bool TlsVerify { get; init; } = true;

    [Description("PEM file of a private CA to trust instead of the system's roots.")]
    public string? CaFile { get; init; }

    [Description("Open a new connection for every check, so DNS, TCP and TLS are measured every time.")]
    public bool FreshConnection { get; init; }

    public override string Type => "http";
    public override IReadOnlySet<Placeholder> Placeholders => Offered;
    public override IReadOnlyList<Condition> DefaultConditions => Defaults;

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        if (Method.Length == 0 || !Method.All(char.IsAsciiLetterUpper))
            validation.Error("method", $"\"{Method}\" is not an HTTP method (GET, HEAD, POST, ...)");
    }
}

/// <summary><c>type: tcp</c>: a connection to host:port, optionally sending a line and expecting an answer.</summary>
public sealed record TcpMonitorConfig : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> Offered = Set(Placeholder.Connected, Placeholder.ResponseTime, Placeholder.Body);
    private static readonly IReadOnlyList<Condition> Defaults = [Condition.Parse("[CONNECTED] == true")];

    [Description("host:port to connect to.")]
    public required string Target { get; init; }

    [Description("Text to send once connected (\\n and \\r\\n are sent as written).")]
    public string? Send { get; init; }

    [Description("Text the peer's answer must contain; read until it appears or the timeout.")]
    public string? Expect
    {
        get => _expect;
        init
        {
            _expect = value;
            RecomputeEffectiveConditions();
        }
    }

    private readonly string? _expect;

    public override string Type => "tcp";

    /// <summary><c>expect</c> is a shorthand for one more condition: <c>[BODY] contains "..."</c>.</summary>
    protected override IReadOnlyList<Condition> ComputeEffectiveConditions() => Expect is null
        ? base.ComputeEffectiveConditions()
        : [.. base.ComputeEffectiveConditions(), Condition.Parse(Expect.Contains('"', StringComparison.Ordinal) ? $"[BODY] contains '{Expect}'" : $"[BODY] contains \"{Expect}\"")];
    public override IReadOnlySet<Placeholder> Placeholders => Offered;
    public override IReadOnlyList<Condition> DefaultConditions => Defaults;

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        ValidateTarget(validation, "target", Target);
    }
}

/// <summary><c>type: tls</c>: a TLS handshake, judged on chain, host name and time to expiry.</summary>
public sealed record TlsMonitorConfig : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> Offered = Set(Placeholder.CertExpiry, Placeholder.Connected, Placeholder.ResponseTime);
    private static readonly IReadOnlyList<Condition> Defaults = [Condition.Parse("[CERT_EXPIRY] > 14d")];

    [Description("host:port to connect to.")]
    public required string Target { get; init; }

    [Description("Name the certificate must be valid for (SNI). Defaults to the target's host.")]
    public string? ServerName { get; init; }

    [Description("Fail when the chain does not lead to a trusted root or the name does not match.")]
    public bool Verify { get; init; } = true;

    [Description("PEM file of a private CA to trust instead of the system's roots.")]
    public string? CaFile { get; init; }

    public TlsMonitorConfig() => Interval = TimeSpan.FromHours(1);

    public override string Type => "tls";
    public override IReadOnlySet<Placeholder> Placeholders => Offered;
    public override IReadOnlyList<Condition> DefaultConditions => Defaults;

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        ValidateTarget(validation, "target", Target);
    }
}

/// <summary>Record types a <c>dns</c> monitor can look up.</summary>
public enum DnsRecordType
{
    A,
    Aaaa,
    Cname,
    Mx,
    Txt,
    Ns,
}

/// <summary><c>type: dns</c>: a lookup, judged on the records it returns.</summary>
public sealed record DnsMonitorConfig : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> Offered = Set(Placeholder.Dns, Placeholder.ResponseTime, Placeholder.Connected);

    [Description("Name to look up.")]
    public required string Host { get; init; }

    [Description("Record type: a, aaaa, cname, mx, txt or ns.")]
    public DnsRecordType Record { get; init; } = DnsRecordType.A;

    [Description("host:port of the DNS server to ask. Defaults to the system resolver.")]
    public string? Resolver { get; init; }

    public override string Type => "dns";
    public override IReadOnlySet<Placeholder> Placeholders => Offered;

    public override IReadOnlyList<Condition> DefaultConditions =>
        [Condition.Parse($"len([DNS].{Record.ToString().ToUpperInvariant()}) > 0")];

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        if (Resolver is not null) ValidateTarget(validation, "resolver", Resolver);
        if (Uri.CheckHostName(Host) is UriHostNameType.Unknown or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            validation.Error("host", $"\"{Host}\" is not a host name");
    }
}

/// <summary>
/// <c>type: heartbeat</c>: the job calls Ballast (<c>/api/push/{token}</c>) and Ballast notices when it stops.
/// Expected every <c>period</c>, or at each <c>schedule</c> (cron), each with <c>grace</c>.
/// </summary>
public sealed record HeartbeatMonitorConfig : MonitorConfig
{
    private static readonly IReadOnlySet<Placeholder> Offered = Set(Placeholder.Duration);

    [Description("Secret part of the push URL: at least 16 URL-safe characters, never the monitor's name. When absent, a random one is generated once and kept in storage (ballast check --show-push-urls prints it).")]
    [Secret]
    public string? Token { get; init; }

    [Description("Whether a GET (or HEAD) on the push URL counts as a ping, for crontab one-liners such as curl -fsS URL. Off by default: any web page can make a browser send a GET.")]
    public bool PushViaGet { get; init; }

    [Description("Expected time between pings (use this or schedule).")]
    public TimeSpan? Period { get; init; }

    [Description("Cron expression (5 fields, or 6 with seconds) of when the job runs (use this or period).")]
    public string? Schedule { get => _schedule.Text; init => _schedule = _schedule.WithText(value); }

    [Description("IANA time zone the schedule is in.")]
    public string TimeZone { get => _schedule.ZoneId; init => _schedule = _schedule.WithZone(value); }

    private readonly CronSchedule _schedule = new();

    [Description("How late a ping may be, and how long a run started with /start may take.")]
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(5);

    public HeartbeatMonitorConfig() => FailureThreshold = 1;

    public override string Type => "heartbeat";
    public override IReadOnlySet<Placeholder> Placeholders => Offered;
    public override IReadOnlyList<Condition> DefaultConditions => [];

    /// <summary>The shortest token accepted in the config (16 characters of a URL-safe alphabet are 96 bits and more).</summary>
    public const int MinTokenLength = 16;

    /// <summary>The parsed <see cref="Schedule"/>, when one is set and valid (parsed once, when the key is set).</summary>
    [ConfigIgnore]
    public CronExpression? Cron => _schedule.Cron;

    /// <summary>The <see cref="TimeZone"/> found once, when the key is set (UTC when unknown, which validation reports).</summary>
    [ConfigIgnore]
    public TimeZoneInfo Zone => _schedule.Zone;

    public override void Validate(ConfigValidation validation)
    {
        base.Validate(validation);
        if (Period is null == Schedule is null)
            validation.Error(null, "needs exactly one of period or schedule");
        if (Period is { } period && period < TimeSpan.FromSeconds(1)) validation.Error("period", "must be at least 1s");
        _schedule.Validate(validation);
        // The name is listed by the monitors API and guessable; a token anyone can read or guess marks a dead job healthy.
        if (Token is null) return;
        if (string.Equals(Token, Name, StringComparison.Ordinal))
            validation.Error("token", "must not be the monitor's name, which anyone who can list monitors reads; remove the key and Ballast generates a random token");
        else if (Token.Length < MinTokenLength)
            validation.Error("token", $"is {Token.Length} characters; a push token needs at least {MinTokenLength} (or remove the key and Ballast generates one)");
        else if (!Monitoring.PushTokens.IsUrlSafe(Token))
            validation.Error("token", "may hold only letters, digits, '-', '_', '.' and '~', so it can stand in a URL unescaped");
    }
}

/// <summary><c>host:port</c> as written in targets, with IPv6 in brackets.</summary>
public static class HostPort
{
    /// <summary>Splits a target that validation has already accepted.</summary>
    public static (string Host, int Port) Parse(string text) =>
        TryParse(text, out var host, out var port) ? (host, port) : throw new FormatException($"\"{text}\" is not host:port");

    public static bool TryParse(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out port) || port is < 1 or > 65535) return false;
        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        return host.Length > 0 && (Uri.CheckHostName(host) != UriHostNameType.Unknown || IPAddress.TryParse(host, out _));
    }
}
