using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Rules;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Logs;

/// <summary>Every rule kind firing and not firing, on a fake clock and on the lines' own times.</summary>
public sealed class LogRuleEngineTests : ILogRuleListener
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly List<LogRuleEvent> _events = [];

    void ILogRuleListener.OnRuleEvent(LogRuleEvent ruleEvent) => _events.Add(ruleEvent);

    private LogRuleEngine Engine(string rules)
    {
        var loaded = ConfigLoader.Parse($"logs:\n  sources: [{{ name: api }}, {{ name: web }}]\n  rules:\n{rules}", "ballast.yaml");
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var engine = new LogRuleEngine(loaded.Config!.Logs.Rules, _time, this);
        engine.Advance();
        return engine;
    }

    private LogLine Line(string text, TimeSpan? at = null, string source = "api", params (string Name, string Value)[] labels) =>
        new(source, text, at is { } t ? Start + t : _time.GetUtcNow(), labels.ToDictionary(l => l.Name, l => l.Value));

    private const string Burst = """
            - { name: db-errors, type: threshold, source: api, match: ECONNREFUSED, when: "count > 3 in 5m" }
        """;

    [Fact]
    public void Threshold_FourMatchesInFiveMinutes_Fires()
    {
        var engine = Engine(Burst);
        for (var i = 0; i < 4; i++) engine.Observe(Line("connect ECONNREFUSED 127.0.0.1:5432", TimeSpan.FromMinutes(i)));

        var fired = Assert.Single(_events);
        Assert.True(fired.Firing);
        Assert.Equal(Start + TimeSpan.FromMinutes(3), fired.At);
        Assert.Equal(4, fired.Lines.Count);
        Assert.Contains("4 lines matched \"ECONNREFUSED\" within 5m", fired.Summary);
    }

    [Fact]
    public void Threshold_FourMatchesSpreadOverTenMinutes_DoesNotFire()
    {
        var engine = Engine(Burst);
        for (var i = 0; i < 4; i++) engine.Observe(Line("connect ECONNREFUSED 127.0.0.1:5432", TimeSpan.FromMinutes(3 * i)));
        engine.Observe(Line("GET /v1/ping 200", TimeSpan.FromMinutes(10)));
        Assert.Empty(_events);
    }

    [Fact]
    public void Threshold_OtherSourceOrNoMatch_DoesNotCount()
    {
        var engine = Engine(Burst);
        for (var i = 0; i < 4; i++) engine.Observe(Line("connect ECONNREFUSED 127.0.0.1:5432", TimeSpan.FromSeconds(i), source: "worker"));
        for (var i = 0; i < 4; i++) engine.Observe(Line("connected to 127.0.0.1:5432", TimeSpan.FromSeconds(i)));
        Assert.Empty(_events);
    }

    [Fact]
    public void Threshold_WhenTheWindowEmptiesOnTheClock_Resolves()
    {
        var engine = Engine(Burst);
        for (var i = 0; i < 4; i++) engine.Observe(Line("connect ECONNREFUSED 127.0.0.1:5432"));
        _time.Advance(TimeSpan.FromMinutes(4));
        engine.Advance();
        Assert.Single(_events);

        _time.Advance(TimeSpan.FromMinutes(1));
        engine.Advance();

        Assert.Equal([true, false], _events.Select(e => e.Firing));
        Assert.False(_events[^1].AnyFiring);
    }

    [Fact]
    public void Threshold_PerLabel_CountsEachValueApart()
    {
        var engine = Engine("""
                - { name: db-errors, type: threshold, match: ECONNREFUSED, when: "count >= 3 in 1m", per: replica }
            """);
        for (var i = 0; i < 2; i++)
        {
            engine.Observe(Line("ECONNREFUSED", labels: ("replica", "0")));
            engine.Observe(Line("ECONNREFUSED", labels: ("replica", "1")));
        }
        Assert.Empty(_events);

        engine.Observe(Line("ECONNREFUSED", labels: ("replica", "1")));

        var fired = Assert.Single(_events);
        Assert.Equal("1", fired.Key);
        Assert.Contains("for replica=1", fired.Summary);
    }

    private const string Startup = """
            - { name: partial-startup, type: sequence, source: api, first: "Starting Nest application", then: "Listening on port", within: 60s, severity: critical }
        """;

    [Fact]
    public void Sequence_ThenWithinTime_DoesNotFire()
    {
        var engine = Engine(Startup);
        engine.Observe(Line("[Nest] 41  - 11/29/2026, 10:00:00 AM     LOG [NestFactory] Starting Nest application..."));
        _time.Advance(TimeSpan.FromSeconds(20));
        engine.Observe(Line("[Nest] 41  - 11/29/2026, 10:00:20 AM     LOG Listening on port 3697"));
        _time.Advance(TimeSpan.FromMinutes(5));
        engine.Advance();
        Assert.Empty(_events);
    }

    [Fact]
    public void Sequence_NoThenWithinTime_FiresOnTheClockAndResolvesWhenThenArrives()
    {
        var engine = Engine(Startup);
        engine.Observe(Line("[Nest] 41  - 11/29/2026, 10:00:00 AM     LOG [NestFactory] Starting Nest application..."));
        _time.Advance(TimeSpan.FromSeconds(59));
        engine.Advance();
        Assert.Empty(_events);

        _time.Advance(TimeSpan.FromSeconds(1));
        engine.Advance();
        var fired = Assert.Single(_events);
        Assert.True(fired.Firing);
        Assert.Equal(Start + TimeSpan.FromSeconds(60), fired.At);
        Assert.Contains("Starting Nest application", Assert.Single(fired.Lines).Text);

        _time.Advance(TimeSpan.FromMinutes(3));
        engine.Observe(Line("Listening on port 3697"));
        Assert.False(_events[^1].Firing);
        Assert.False(_events[^1].AnyFiring);
    }

    [Fact]
    public void Sequence_OldFileReadAtOnce_FiresAtTheLogTime()
    {
        // Read hours later, in one go: the fake clock does not move, the lines' times do.
        var engine = Engine(Startup);
        engine.Observe(Line("Starting Nest application...", TimeSpan.FromHours(-5)));
        engine.Observe(Line("InstanceLoader AppModule dependencies initialized", TimeSpan.FromHours(-5) + TimeSpan.FromSeconds(30)));
        Assert.Empty(_events);
        engine.Observe(Line("GET /health/live 200", TimeSpan.FromHours(-5) + TimeSpan.FromSeconds(75)));

        var fired = Assert.Single(_events);
        Assert.Equal(Start + TimeSpan.FromHours(-5) + TimeSpan.FromSeconds(60), fired.At);
    }

    [Fact]
    public void Sequence_OneReplicaListening_DoesNotMaskAnotherThatStalled()
    {
        var engine = Engine(Startup);
        engine.Observe(Line("Starting Nest application...", labels: ("replica", "0")));
        engine.Observe(Line("Starting Nest application...", labels: ("replica", "1")));
        _time.Advance(TimeSpan.FromSeconds(5));
        engine.Observe(Line("Listening on port 3697", labels: ("replica", "0")));
        _time.Advance(TimeSpan.FromSeconds(60));
        engine.Advance();

        var fired = Assert.Single(_events);
        Assert.Equal("1", fired.Key);
        Assert.Contains("for replica=1", fired.Summary);

        engine.Observe(Line("Listening on port 3697", labels: ("replica", "0")));
        Assert.Single(_events); // replica 0 listening again resolves nothing: replica 1 is the one stalled

        engine.Observe(Line("Listening on port 3697", labels: ("replica", "1")));
        Assert.Equal([true, false], _events.Select(e => e.Firing));
    }

    [Fact]
    public void Sequence_KeyedByCapture_KeepsEachWorkerApart()
    {
        var engine = Engine("""
                - { name: job-stuck, type: sequence, syntax: regex, key: job, first: "job (?<job>\\d+) started", then: "job (?<job>\\d+) finished", within: 10m }
            """);
        engine.Observe(Line("job 7 started"));
        engine.Observe(Line("job 8 started"));
        engine.Observe(Line("job 8 finished"));
        _time.Advance(TimeSpan.FromMinutes(10));
        engine.Advance();

        Assert.Equal("7", Assert.Single(_events).Key);
    }

    [Fact]
    public void Sequence_RestartLoopWithoutThen_KeepsTheFirstDeadline()
    {
        var engine = Engine(Startup);
        for (var i = 0; i < 4; i++)
        {
            engine.Observe(Line("Starting Nest application..."));
            _time.Advance(TimeSpan.FromSeconds(20));
        }
        engine.Advance();
        Assert.Equal(Start + TimeSpan.FromSeconds(60), Assert.Single(_events).At);
    }

    private const string Silence = """
            - { name: api-silent, type: absence, source: api, match: "GET /", for: 5m }
        """;

    [Fact]
    public void Absence_MatchesKeepComing_DoesNotFire()
    {
        var engine = Engine(Silence);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(4));
            engine.Observe(Line("GET /v1/ping 200 3ms"));
            engine.Advance();
        }
        Assert.Empty(_events);
    }

    [Fact]
    public void Absence_NothingMatchingForTheTime_FiresAndTheNextMatchResolves()
    {
        var engine = Engine(Silence);
        engine.Observe(Line("GET /v1/ping 200 3ms"));
        _time.Advance(TimeSpan.FromMinutes(3));
        engine.Observe(Line("POST /internal/cron 200")); // not a match: does not count
        _time.Advance(TimeSpan.FromMinutes(2));
        engine.Advance();

        var fired = Assert.Single(_events);
        Assert.True(fired.Firing);
        Assert.Equal(Start + TimeSpan.FromMinutes(5), fired.At);
        Assert.Contains("No line matching \"GET /\" for 5m", fired.Summary);

        _time.Advance(TimeSpan.FromMinutes(1));
        engine.Observe(Line("GET /v1/ping 200 4ms"));
        Assert.Equal([true, false], _events.Select(e => e.Firing));
    }

    [Fact]
    public void Absence_SourceThatNeverSpoke_Fires()
    {
        var engine = Engine("""
                - { name: api-silent, type: absence, source: api, for: 2m }
            """);
        _time.Advance(TimeSpan.FromMinutes(2));
        engine.Advance();
        Assert.Contains("No log line for 2m", Assert.Single(_events).Summary);
    }

    [Fact]
    public void Rules_LabelsFilter_ReadOnlyMatchingLines()
    {
        var engine = Engine("""
                - { name: canary-errors, type: threshold, match: error, when: "count > 0 in 1m", labels: { release: "165" } }
            """);
        engine.Observe(Line("error: boom", labels: ("release", "162")));
        Assert.Empty(_events);
        engine.Observe(Line("error: boom", labels: ("release", "165")));
        Assert.Single(_events);
    }
}
