using Ballast.Core.Config;
using Ballast.Testing;

namespace Ballast.Core.Tests.Config;

public class ConfigLoaderTests
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["API_HOST"] = "api.example.com",
        ["EMPTY"] = "",
    };

    private static ConfigLoadResult Parse(string yaml) => ConfigLoader.Parse(yaml, "ballast.yaml", name => Env.GetValueOrDefault(name));

    private const string Valid = """
        server:
          listen: http://127.0.0.1:7700
          storage: sqlite:data/ballast.db
          retention: { raw: 3d }
        monitors:
          - name: api-ready
            type: http
            url: https://${API_HOST}/health/ready
            interval: 30s
            retry_interval: 5s
            failure_threshold: 3
            timeout: 1500ms
            severity: critical
            tags: [api, prod]
            headers: { Origin: "https://app.example.com" }
            conditions:
              - "[STATUS] == 200"
              - "[BODY].status == pass"
          - { name: db, type: tcp, target: "${DB_HOST:-127.0.0.1}:5432" }
          - { name: cert, type: tls, target: "api.example.com:443" }
          - { name: dns, type: dns, host: api.example.com, record: aaaa }
          - { name: backup, type: heartbeat, schedule: "0 3 * * *", grace: 1h, token: s3cret-push-token-0001 }
          - { name: sync, type: heartbeat, period: 10m }
        """;

    [Fact]
    public void Parse_ValidConfig_BindsEveryKey()
    {
        var result = Parse(Valid);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var config = result.Config!;
        Assert.Equal(TimeSpan.FromDays(3), config.Server.Retention.Raw);
        var api = Assert.IsType<HttpMonitorConfig>(config.Monitors[0]);
        Assert.Equal("https://api.example.com/health/ready", api.Url.ToString());
        Assert.Equal(TimeSpan.FromSeconds(30), api.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), api.EffectiveRetryInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), api.Timeout);
        Assert.Equal(3, api.FailureThreshold);
        Assert.Equal(Severity.Critical, api.Severity);
        Assert.Equal(["api", "prod"], api.Tags);
        Assert.Equal("https://app.example.com", api.Headers["Origin"]);
        Assert.Equal(["[STATUS] == 200", "[BODY].status == pass"], api.Conditions.Select(c => c.Text));
        Assert.Equal("127.0.0.1:5432", Assert.IsType<TcpMonitorConfig>(config.Monitors[1]).Target);
        Assert.Equal(TimeSpan.FromHours(1), config.Monitors[2].Interval); // tls default
        Assert.Equal(DnsRecordType.Aaaa, Assert.IsType<DnsMonitorConfig>(config.Monitors[3]).Record);
        var backup = Assert.IsType<HeartbeatMonitorConfig>(config.Monitors[4]);
        Assert.Equal("s3cret-push-token-0001", backup.Token);
        Assert.Equal(1, backup.FailureThreshold);
        Assert.NotNull(backup.Cron);
        Assert.Null(((HeartbeatMonitorConfig)config.Monitors[5]).Token); // generated and kept by storage, never the name
    }

    [Fact]
    public void Parse_Defaults_MatchTheDocumentedOnes()
    {
        var config = Parse("monitors: [{ name: a, type: http, url: 'http://127.0.0.1/' }]").Require();

        var m = config.Monitors[0];
        Assert.Equal(new Uri("http://127.0.0.1:7700"), config.Server.Listen);
        Assert.Equal("sqlite:ballast.db", config.Server.Storage);
        Assert.Equal(TimeSpan.FromDays(7), config.Server.Retention.Raw);
        Assert.Equal(TimeSpan.FromSeconds(60), m.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), m.EffectiveRetryInterval);
        Assert.Equal(2, m.FailureThreshold);
        Assert.Equal(1, m.SuccessThreshold);
        Assert.Equal(["[STATUS] >= 200", "[STATUS] < 300"], m.EffectiveConditions.Select(c => c.Text));
    }

    public static TheoryData<string> BrokenConfigFiles => new(BrokenConfigs.All.Select(c => Path.GetFileName(c.File)));

    [Theory]
    [MemberData(nameof(BrokenConfigFiles))]
    public void Load_BrokenConfig_ReportsLineColumnAndReason(string file)
    {
        var expected = BrokenConfigs.All.Single(c => Path.GetFileName(c.File) == file);

        var result = ConfigLoader.Load(expected.File, name => Env.GetValueOrDefault(name));

        Assert.False(result.Ok);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(expected.Message, StringComparison.Ordinal));
        Assert.Equal((expected.Line, expected.Column), (error.Line, error.Column));
        Assert.Equal(expected.File, error.File);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllOfThemInFileOrder()
    {
        var result = Parse("""
            monitors:
              - { name: a, type: http, url: 'http://x/', interval: soon }
              - { name: b, type: tcp, target: nowhere, colour: red }
              - { name: c, type: heartbeat }
            """);

        Assert.Equal(4, result.Errors.Count);
        Assert.Equal([2, 3, 3, 4], result.Errors.Select(e => e.Line));
        Assert.Equal("monitors[0].interval", result.Errors[0].Path);
        Assert.Equal("monitors[1].colour", result.Errors[2].Path);
        Assert.Matches(@"^ballast\.yaml:2:\d+: monitors\[0\]\.interval: ""soon"" is not a duration", result.Errors[0].ToString());
    }

    [Fact]
    public void Parse_SecretValueInError_IsMasked()
    {
        var result = Parse("monitors:\n  - { name: a, type: heartbeat, period: 1m, token: [not, text] }\n");
        var leaked = Parse("monitors:\n  - { name: a, type: heartbeat, period: 1m, token: hunter2-hunter2-hunter2 }\n").Require();

        Assert.DoesNotContain("hunter2", ConfigPrinter.Render(leaked));
        Assert.Contains("token: ***", ConfigPrinter.Render(leaked));
        Assert.False(result.Ok);
    }

    [Fact]
    public void Parse_HttpsListenWithoutTlsOrBadAllowedHost_AreErrors()
    {
        var result = Parse("server:\n  listen: https://127.0.0.1:7700\n  allowed_hosts: ['http://x.example:80', '*.ok.example.com']\n");

        Assert.Equal(["server.listen", "server.allowed_hosts[0]"], result.Errors.Select(e => e.Path));
        Assert.Contains("add server.tls", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("without scheme or port", result.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowedHosts_Default_ListenHostLocalhostAndPublicHost()
    {
        var server = Parse("server:\n  listen: http://192.0.2.5:7700\n  public_url: https://ballast.example.com\n").Require().Server;
        var wildcard = Parse("server:\n  listen: http://0.0.0.0:7700\n").Require().Server;

        Assert.Equal(["localhost", "192.0.2.5", "ballast.example.com"], server.EffectiveAllowedHosts());
        Assert.Equal(["localhost", "0.0.0.0"], wildcard.EffectiveAllowedHosts()); // what the CLI sends, calling the listen address
    }

    [Theory]
    [InlineData("nightly-backup", "must not be the monitor's name")]
    [InlineData("short-token", "is 11 characters; a push token needs at least 16")]
    [InlineData("'has a space and is long'", "may hold only letters, digits")]
    public void Parse_HeartbeatTokenGuessableOrShort_IsAnErrorAtTheToken(string token, string message)
    {
        var result = Parse($"monitors:\n  - name: nightly-backup\n    type: heartbeat\n    period: 1h\n    token: {token}\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("monitors[0].token", error.Path);
        Assert.StartsWith("ballast.yaml:5:12: monitors[0].token: ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${API_HOST}", "api.example.com")]
    [InlineData("${MISSING:-fallback}", "fallback")]
    [InlineData("${EMPTY:-fallback}", "fallback")]
    [InlineData("$${API_HOST}", "${API_HOST}")]
    [InlineData("a-${API_HOST}-b", "a-api.example.com-b")]
    public void Parse_EnvironmentReferences_AreExpanded(string written, string expected)
    {
        var config = Parse($"monitors: [{{ name: a, type: tcp, target: 'h:1', runbook: '{written}' }}]").Require();

        Assert.Equal(expected, config.Monitors[0].Runbook);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1500)]
    public void Duration_TryParse_ReadsUnits(string text, double ms)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(ms, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("5 minutes")]
    [InlineData("-5s")]
    [InlineData("s")]
    [InlineData("")]
    public void Duration_TryParse_RejectsWithoutAUnit(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(250, "250ms")]
    [InlineData(86_400_000 * 3.0, "3d")]
    public void Duration_Format_WritesWhatPeopleWrite(double ms, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(ms)));
}
