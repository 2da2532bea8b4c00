using System.ComponentModel;
using System.Text.RegularExpressions;

namespace Ballast.Core.Config;

/// <summary>A config scalar as written (<see cref="Text"/>, with its <c>${VAR}</c> references) and the environment values it took.</summary>
public sealed record ConfigReference(string Text, IReadOnlyList<string> Values);

/// <summary>The whole of ballast.yaml.</summary>
public sealed record BallastConfig : IValidatableConfig
{
    [Description("How the Ballast server listens and stores what it sees.")]
    public ServerConfig Server { get; init; } = new();

    [Description("Where alerts can go, by name.")]
    public IReadOnlyDictionary<string, ChannelConfig> Channels { get; init; } = new Dictionary<string, ChannelConfig>();

    [Description("Who is told about incidents, and how often.")]
    public AlertingConfig Alerting { get; init; } = new();

    [Description("Windows when monitors are checked but show MAINTENANCE and send no alerts.")]
    public IReadOnlyList<MaintenanceWindowConfig> Maintenance { get; init; } = [];

    [Description("Endpoints to check from the outside.")]
    public IReadOnlyList<MonitorConfig> Monitors { get; init; } = [];

    [Description("Log streams Ballast follows and the rules that open incidents from what they say.")]
    public LogsConfig Logs { get; init; } = new();

    [Description("Services Ballast deploys, verifies and rolls back, by name.")]
    public IReadOnlyDictionary<string, ServiceConfig> Services { get; init; } = new Dictionary<string, ServiceConfig>();

    [Description("Public pages at /status/SLUG showing chosen monitors under public names, their uptime, incidents' public messages and scheduled maintenance.")]
    public IReadOnlyList<StatusPageConfig> StatusPages { get; init; } = [];

    /// <summary>Where this config was read from; relative paths in it (a SQLite file) are resolved against its folder.</summary>
    [ConfigIgnore]
    public string? SourcePath { get; init; }

    /// <summary>
    /// The scalars that held <c>${VAR}</c> references, by key path (<c>services.api.env.DATABASE_URL</c>): the text as
    /// written, so a file Ballast writes can keep the reference, and the values taken from the environment, so output
    /// that repeats one can be masked.
    /// </summary>
    [ConfigIgnore]
    public IReadOnlyDictionary<string, ConfigReference> References { get; init; } = new Dictionary<string, ConfigReference>();

    public void Validate(ConfigValidation validation)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Monitors.Count; i++)
        {
            var monitor = Monitors[i];
            if (!seen.Add(monitor.Name))
                validation.Error($"monitors[{i}].name", $"two monitors are named \"{monitor.Name}\"; names must be unique");
            if (monitor is HeartbeatMonitorConfig { Token: { } token } && !tokens.Add(token))
                validation.Error($"monitors[{i}].token", $"heartbeat \"{monitor.Name}\" uses a push token another heartbeat already uses");
            if (monitor.Channels is { } own) CheckChannels(validation, $"monitors[{i}].channels", own);
        }
        foreach (var name in Channels.Keys)
            if (!Names.Valid().IsMatch(name)) validation.Error($"channels.{name}", $"\"{name}\" is not a valid channel name: {Names.Rule}");
        for (var i = 0; i < Alerting.Routes.Count; i++)
            CheckChannels(validation, $"alerting.routes[{i}].channels", Alerting.Routes[i].Channels);
        var listens = new Dictionary<Uri, string>();
        foreach (var (name, service) in Services)
        {
            if (!Names.Valid().IsMatch(name)) validation.Error($"services.{name}", $"\"{name}\" is not a valid service name: {Names.Rule}");
            if (service.ProviderConfig is not ProcessServiceConfig { Listen: var listen }) continue;
            if (seen.Contains($"{name}-replicas"))
                validation.Error($"services.{name}", $"a monitor is named \"{name}-replicas\", the name of this process service's replica incidents; rename the monitor");
            if (listen == Server.Listen) validation.Error($"services.{name}.process.listen", "is the Ballast server's own address (server.listen)");
            else if (!listens.TryAdd(listen, name)) validation.Error($"services.{name}.process.listen", $"service \"{listens[listen]}\" listens there already");
        }
        CheckStatusPages(validation, seen);
        CheckLogRules(validation, seen);
    }

    /// <summary>Each log rule is alerted as a monitor of its name, so a rule may not share one with a monitor or another rule.</summary>
    private void CheckLogRules(ConfigValidation validation, HashSet<string> monitors)
    {
        var replicas = Services.Where(s => s.Value.ProviderConfig is ProcessServiceConfig).Select(s => $"{s.Key}-replicas").ToHashSet(StringComparer.Ordinal);
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var sources = LogSourceNames(validation);
        for (var i = 0; i < Logs.Rules.Count; i++)
        {
            var rule = Logs.Rules[i];
            if (!rules.Add(rule.Name)) validation.Error($"logs.rules[{i}].name", $"two rules are named \"{rule.Name}\"; names must be unique");
            else if (monitors.Contains(rule.Name)) validation.Error($"logs.rules[{i}].name", $"a monitor is named \"{rule.Name}\" too; a rule's incidents are filed under its name, so rename one");
            else if (replicas.Contains(rule.Name)) validation.Error($"logs.rules[{i}].name", $"\"{rule.Name}\" is the name of a process service's replica incidents; rename the rule");
            if (rule.Channels is { } own) CheckChannels(validation, $"logs.rules[{i}].channels", own);
            if (rule.Source is { } source && !sources.Contains(source))
            {
                var hint = ConfigShape.Suggest(source, sources) is { } s ? $"; did you mean \"{s}\"?" : "";
                validation.Error($"logs.rules[{i}].source", $"no log source named \"{source}\": not under logs.sources or logs.streams, not a process service, "
                    + $"not a value of logs.loki.sources nor logs.loki.default_source{hint}");
            }
        }
    }

    /// <summary>
    /// Every source name a rule may watch. A Loki push may name any source, but a rule watches only one written down
    /// here, so a misspelt source is an error rather than a rule that never fires.
    /// </summary>
    private HashSet<string> LogSourceNames(ConfigValidation validation)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in Logs.Sources) names.Add(source.Name);
        for (var i = 0; i < Logs.Streams.Count; i++)
            if (!names.Add(Logs.Streams[i].Name)) validation.Error($"logs.streams[{i}].name", $"\"{Logs.Streams[i].Name}\" names a source under logs.sources already");
        foreach (var (name, service) in Services)
            if (service.ProviderConfig is ProcessServiceConfig) names.Add(name);
        names.UnionWith(Logs.Loki.Sources.Values);
        if (Logs.Loki.DefaultSource is { } fallback) names.Add(fallback);
        return names;
    }

    private void CheckStatusPages(ConfigValidation validation, HashSet<string> monitors)
    {
        var slugs = new HashSet<string>(StringComparer.Ordinal);
        for (var p = 0; p < StatusPages.Count; p++)
        {
            var page = StatusPages[p];
            if (!slugs.Add(page.Slug)) validation.Error($"status_pages[{p}].slug", $"two status pages use the slug \"{page.Slug}\"; slugs must be unique");
            for (var g = 0; g < page.Groups.Count; g++)
                for (var c = 0; c < page.Groups[g].Components.Count; c++)
                {
                    var component = page.Groups[g].Components[c];
                    if (monitors.Contains(component.Monitor)) continue;
                    var hint = ConfigShape.Suggest(component.Monitor, monitors) is { } s ? $"; did you mean \"{s}\"?" : "";
                    validation.Error($"status_pages[{p}].groups[{g}].components[{c}].monitor",
                        $"status page \"{page.Slug}\", component \"{component.Name}\": no monitor named \"{component.Monitor}\" under monitors:{hint}");
                }
        }
    }

    private void CheckChannels(ConfigValidation validation, string path, IReadOnlyList<string> names)
    {
        foreach (var name in names)
            if (!Channels.ContainsKey(name))
            {
                var hint = ConfigShape.Suggest(name, Channels.Keys) is { } s ? $"; did you mean \"{s}\"?" : "";
                validation.Error(path, $"no channel named \"{name}\" under channels:{hint}");
            }
    }
}

/// <summary>The <c>server:</c> section.</summary>
public sealed record ServerConfig : IValidatableConfig
{
    [Description("Address the API and push endpoints listen on: http://HOST:PORT, or https://HOST:PORT with tls.")]
    public Uri Listen { get; init; } = new("http://127.0.0.1:7700");

    [Description("The certificate an https listen address serves.")]
    public ServerTlsConfig? Tls { get; init; }

    [Description("Host names (or addresses) requests may name in their Host header; others get 400, which stops DNS rebinding. Defaults to the listen host, localhost and the public_url host. '*.example.com' allows subdomains.")]
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    [Description("Base URL people reach the server at; used for links in alerts. Defaults to listen.")]
    public Uri? PublicUrl { get; init; }

    [Description("sqlite:PATH (relative to this file) or postgres://user:password@host:port/database.")]
    public string Storage { get; init; } = "sqlite:ballast.db";

    [Description("How long data is kept.")]
    public RetentionConfig Retention { get; init; } = new();

    [Description("Most checks in flight at once across all monitors.")]
    public int MaxConcurrentChecks { get; init; } = 512;

    [Description("How many logins are allowed per client address and per user name in each window; more are answered 429.")]
    public LoginLimitConfig LoginLimit { get; init; } = new();

    [Description("Addresses (192.0.2.10) or networks (10.0.0.0/8) of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; from anyone else they are ignored.")]
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    [Description("Lets a request that carries no credential at all read as a viewer (a wall display on a trusted network); it changes nothing, and a wrong credential is still refused.")]
    public bool AnonymousRead { get; init; }

    [Description("Limits on the dashboard's live update streams (GET /api/v1/events); more are answered 503 with Retry-After, and the page retries.")]
    public LiveUpdatesConfig LiveUpdates { get; init; } = new();

    public void Validate(ConfigValidation validation)
    {
        if (!Storage.StartsWith("sqlite:", StringComparison.Ordinal) && !Storage.StartsWith("postgres://", StringComparison.Ordinal)
            && !Storage.StartsWith("postgresql://", StringComparison.Ordinal))
            validation.Error("storage", "must be sqlite:PATH or postgres://user:password@host:port/database");
        if (MaxConcurrentChecks < 1) validation.Error("max_concurrent_checks", "must be at least 1");
        for (var i = 0; i < TrustedProxies.Count; i++)
            if (!System.Net.IPAddress.TryParse(TrustedProxies[i], out _) && !System.Net.IPNetwork.TryParse(TrustedProxies[i], out _))
                validation.Error($"trusted_proxies[{i}]", $"\"{TrustedProxies[i]}\" is neither an IP address (192.0.2.10) nor a network (10.0.0.0/8)");
        if (Listen.Scheme is not ("http" or "https")) validation.Error("listen", "must be http://HOST:PORT or https://HOST:PORT");
        else if (Listen.Scheme == "https" && Tls is null)
            validation.Error("listen", "is https: add server.tls with the certificate and key (PEM files) to serve");
        else if (Listen.Scheme == "http" && Tls is not null) validation.Error("tls", "is set but listen is http://; make listen https:// or remove tls");
        if (AllowedHosts is { } hosts)
        {
            if (hosts.Count == 0) validation.Error("allowed_hosts", "is empty, which would refuse every request; remove it for the default");
            for (var i = 0; i < hosts.Count; i++)
                if (hosts[i] != "*" && Uri.CheckHostName(hosts[i].StartsWith("*.", StringComparison.Ordinal) ? hosts[i][2..] : hosts[i].Trim('[', ']')) == UriHostNameType.Unknown)
                    validation.Error($"allowed_hosts[{i}]", $"\"{hosts[i]}\" is not a host name or address (write it without scheme or port)");
        }
    }

    /// <summary>
    /// The Host header values the server answers: <see cref="AllowedHosts"/>, or by default the listen host (a wildcard
    /// address too: it is what the CLI, which calls the listen address, sends), <c>localhost</c> and the
    /// <see cref="PublicUrl"/> host.
    /// </summary>
    public IReadOnlyList<string> EffectiveAllowedHosts()
    {
        if (AllowedHosts is { } configured) return configured;
        var hosts = new List<string> { "localhost" };
        hosts.Add(Listen.Host);
        if (PublicUrl is { } publicUrl) hosts.Add(publicUrl.Host);
        return hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }
}

/// <summary>The <c>server.tls:</c> section: the certificate Kestrel serves on an https listen address.</summary>
public sealed record ServerTlsConfig : IValidatableConfig
{
    [Description("PEM file of the certificate (with its chain after it), relative to this file.")]
    public string Certificate { get; init; } = "";

    [Description("PEM file of the certificate's private key, relative to this file.")]
    public string Key { get; init; } = "";

    public void Validate(ConfigValidation validation)
    {
        if (string.IsNullOrWhiteSpace(Certificate)) validation.Error("certificate", "is required: the PEM file of the server's certificate");
        if (string.IsNullOrWhiteSpace(Key)) validation.Error("key", "is required: the PEM file of the certificate's private key");
    }
}

/// <summary>The <c>server.login_limit:</c> section.</summary>
public sealed record LoginLimitConfig : IValidatableConfig
{
    [Description("Logins allowed per client address, and per user name, in each window.")]
    public int Attempts { get; init; } = 10;

    [Description("How long the window is; the count starts again after it.")]
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    public void Validate(ConfigValidation validation)
    {
        if (Attempts < 1) validation.Error("attempts", "must be at least 1");
        if (Window < TimeSpan.FromSeconds(1)) validation.Error("window", "must be at least 1s");
    }
}

/// <summary>The <c>server.live_updates:</c> section.</summary>
public sealed record LiveUpdatesConfig : IValidatableConfig
{
    [Description("Streams open at once across all callers. Each holds a connection and a little memory for as long as a dashboard is open.")]
    public int MaxConnections { get; init; } = 1000;

    [Description("Streams open at once per signed-in user or token (per client address for anonymous reads): one per open dashboard tab.")]
    public int MaxConnectionsPerUser { get; init; } = 20;

    public void Validate(ConfigValidation validation)
    {
        if (MaxConnections < 1) validation.Error("max_connections", "must be at least 1");
        if (MaxConnectionsPerUser < 1) validation.Error("max_connections_per_user", "must be at least 1");
        else if (MaxConnectionsPerUser > MaxConnections)
            validation.Error("max_connections_per_user", $"is {MaxConnectionsPerUser}, more than max_connections ({MaxConnections})");
    }
}

/// <summary>The <c>server.retention:</c> section.</summary>
public sealed record RetentionConfig : IValidatableConfig
{
    [Description("How long every individual check result is kept; aggregates are kept for a year or more.")]
    public TimeSpan Raw { get; init; } = TimeSpan.FromDays(7);

    [Description("How long a resolved incident is kept after it resolved; open ones are always kept.")]
    public TimeSpan Incidents { get; init; } = TimeSpan.FromDays(365);

    [Description("How long a delivered or failed notification, and a silence that has ended, are kept; pending ones are always kept.")]
    public TimeSpan Notifications { get; init; } = TimeSpan.FromDays(90);

    [Description("Deploy records kept per service (at least keep_releases); the records of the releases a rollback can return to are always kept.")]
    public int Deploys { get; init; } = 100;

    [Description("How long each entry of the audit trail (who changed what, when, from where) is kept.")]
    public TimeSpan Audit { get; init; } = TimeSpan.FromDays(365);

    public void Validate(ConfigValidation validation)
    {
        if (Raw < TimeSpan.FromHours(1)) validation.Error("raw", "must be at least 1h");
        if (Incidents < TimeSpan.FromDays(1)) validation.Error("incidents", "must be at least 1d");
        if (Notifications < TimeSpan.FromDays(1)) validation.Error("notifications", "must be at least 1d");
        if (Deploys < 1) validation.Error("deploys", "must be at least 1");
        if (Audit < TimeSpan.FromDays(1)) validation.Error("audit", "must be at least 1d");
    }
}

/// <summary>How bad it is when a monitor goes down; alert routes match on it.</summary>
public enum Severity
{
    Info,
    Warning,
    Critical,
}

internal static partial class Names
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    public static partial Regex Valid();

    public const string Rule = "use letters, digits, '.', '_' and '-' (at most 100), starting with a letter or digit";
}
