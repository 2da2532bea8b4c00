using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Rules;

namespace Ballast.Core.Tests.Logs;

/// <summary>logs.rules as read from ballast.yaml: bad patterns and windows named by line and column, names that clash.</summary>
public sealed class LogRuleConfigTests
{
    private static ConfigError Single(string yaml)
    {
        var loaded = ConfigLoader.Parse(yaml, "ballast.yaml");
        Assert.False(loaded.Ok);
        return Assert.Single(loaded.Errors);
    }

    [Fact]
    public void Load_BadRegex_PointsAtTheCharacterAtFault()
    {
        var error = Single("""
            logs:
              rules:
                - name: bad
                  type: threshold
                  syntax: regex
                  match: "timeout (after [0-9]+ms"
                  when: count > 3 in 5m
            """);
        Assert.Equal("logs.rules[0].match", error.Path);
        Assert.Equal(6, error.Line);
        // The pattern starts after the quote, at column 15; an unclosed group is found at its last character.
        Assert.Equal(15 + "timeout (after [0-9]+ms".Length - 1, error.Column);
        Assert.Contains("not a valid regex pattern", error.Message);
    }

    [Theory]
    [InlineData("count < 3 in 5m", 6, "> or >=")]
    [InlineData("count > x in 5m", 8, "whole number")]
    [InlineData("count > 3 in soon", 13, "not a duration")]
    [InlineData("lines > 3 in 5m", 0, "starts with \"count\"")]
    public void Load_BadWhen_PointsAtTheCharacterAtFault(string when, int offset, string message)
    {
        var error = Single($$"""
            logs:
              rules:
                - { name: r, type: threshold, match: x, when: "{{when}}" }
            """);
        Assert.Equal("logs.rules[0].when", error.Path);
        // The text starts after the quote, at column 52.
        Assert.Equal((3, 52 + offset), (error.Line, error.Column));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Load_RuleNamedLikeAMonitor_IsAnError()
    {
        var error = Single("""
            monitors:
              - { name: api, type: tcp, target: "127.0.0.1:5432" }
            logs:
              rules:
                - { name: api, type: absence, for: 5m }
            """);
        Assert.Equal("logs.rules[0].name", error.Path);
        Assert.Contains("a monitor is named \"api\" too", error.Message);
    }

    [Fact]
    public void Load_UnknownRuleType_SuggestsTheClosest()
    {
        var error = Single("""
            logs:
              rules:
                - { name: r, type: sequense, first: a, then: b, within: 1m }
            """);
        Assert.Contains("did you mean \"sequence\"", error.Message);
    }

    [Fact]
    public void Load_AllThreeKinds_AreMonitorsOfTheirNames()
    {
        var loaded = ConfigLoader.Parse("""
            logs:
              rules:
                - { name: partial-startup, type: sequence, first: "Starting Nest application", then: "Listening on port", within: 60s, severity: critical, tags: [api] }
                - { name: db-errors, type: threshold, match: ECONNREFUSED, when: "count >= 5 in 1m", per: replica }
                - { name: api-silent, type: absence, for: 10m, runbook: "https://example.com/runbook#silent" }
            """, "ballast.yaml");
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var monitors = LogRuleMonitor.All(loaded.Config!).ToList();
        Assert.Equal(["partial-startup", "db-errors", "api-silent"], monitors.Select(m => m.Name));
        Assert.All(monitors, m => Assert.Equal("log", m.Type));
        Assert.Equal(Severity.Critical, monitors[0].Severity);
        Assert.Equal(["logs", "api"], monitors[0].Tags);
        Assert.Equal("https://example.com/runbook#silent", monitors[2].Runbook);
    }

    [Fact]
    public void Describe_LineWithASecretFromTheEnvironment_IsMaskedAndCut()
    {
        var loaded = ConfigLoader.Parse("""
            channels:
              hook: { type: webhook, url: "http://127.0.0.1:9/hook" }
            services:
              api:
                provider: process
                process: { command: dotnet, args: [api.dll], artifact: out, listen: "http://127.0.0.1:8080" }
                env: { DATABASE_URL: "${DATABASE_URL}" }
            logs:
              rules:
                - { name: db-errors, type: threshold, match: ECONNREFUSED, when: "count > 0 in 1m" }
            """, "ballast.yaml", name => name == "DATABASE_URL" ? "postgres://api:hunter2-secret@db:5432/api" : null);
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var line = new LogLine("api", "connect ECONNREFUSED postgres://api:hunter2-secret@db:5432/api " + new string('x', 500), DateTimeOffset.UnixEpoch);
        var ruleEvent = new LogRuleEvent(loaded.Config!.Logs.Rules[0], "", true, DateTimeOffset.UnixEpoch, "1 lines matched", [line], true);

        var cause = LogRuleCause.Describe(ruleEvent, LogSecrets.Of(loaded.Config));

        Assert.DoesNotContain("hunter2", cause);
        Assert.Contains("connect ECONNREFUSED *** xxx", cause);
        Assert.StartsWith("log rule db-errors (threshold): 1 lines matched", cause);
        Assert.EndsWith("…", cause);
        Assert.True(cause.Length < 400, cause);
    }

    [Fact]
    public void Describe_SecretsWrittenInTheFile_EnvValuesHeadersAndAUrlsPassword_AreMaskedInLinesLabelsAndSummary()
    {
        var loaded = ConfigLoader.Parse("""
            channels:
              hook: { type: webhook, url: "http://127.0.0.1:9/hook", headers: { Authorization: "Bearer hook-token-77" } }
            services:
              api:
                provider: process
                process: { command: dotnet, args: [api.dll], artifact: out, listen: "http://127.0.0.1:8080" }
                env: { DATABASE_URL: "postgres://api:written-pass-9@db:5432/api" }
            logs:
              rules:
                - { name: db-errors, type: threshold, match: ECONNREFUSED, when: "count > 0 in 1m" }
            """, "ballast.yaml", _ => null);
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var labels = new Dictionary<string, string> { ["token"] = "Bearer hook-token-77" };
        var line = new LogLine("api", "auth failed for written-pass-9; connect ECONNREFUSED", DateTimeOffset.UnixEpoch, labels);
        var ruleEvent = new LogRuleEvent(loaded.Config!.Logs.Rules[0], "written-pass-9", true, DateTimeOffset.UnixEpoch, "key written-pass-9 fired", [line], true);

        var cause = LogRuleCause.Describe(ruleEvent, LogSecrets.Of(loaded.Config));

        Assert.DoesNotContain("written-pass-9", cause);
        Assert.DoesNotContain("hook-token-77", cause);
        Assert.Contains("auth failed for ***; connect ECONNREFUSED", cause);
    }
}
