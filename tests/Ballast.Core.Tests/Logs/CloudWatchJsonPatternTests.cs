using Ballast.Core.Logs;
using static Ballast.Core.Tests.Logs.CloudWatchPatternTests;

namespace Ballast.Core.Tests.Logs;

/// <summary>JSON filter patterns: AWS's examples on AWS's sample events, with AWS's verdicts.</summary>
public class CloudWatchJsonPatternTests
{
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (earlier revision:
    // https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md),
    // "JSON Metric Filter Examples": the sample event, and the filters the page says match it.
    private const string TrailEvent = """
        {"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"],
         "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null, "ThisFlag": true}
        """;

    [Theory]
    [InlineData("{ $.eventType = \"UpdateTrail\" }")]
    [InlineData("{ $.sourceIPAddress != 123.123.* }")]
    [InlineData("{ $.arrayKey[0] = \"value\" }")]
    [InlineData("{ $.objectList[1].id = 2 }")]
    [InlineData("{ $.SomeObject IS NULL }")]
    [InlineData("{ $.SomeOtherObject NOT EXISTS }")]
    [InlineData("{ $.ThisFlag IS TRUE }")]
    public void Json_AwsFilterExamples_MatchTheSampleEvent(string pattern) => Assert.True(Matches(pattern, OneLine(TrailEvent)));

    // The same filters turned around, on the same event: each must fail for the reason the page gives.
    [Theory]
    [InlineData("{ $.eventType = \"UpdateTrails\" }")]
    [InlineData("{ $.sourceIPAddress != 111.111.* }")]
    [InlineData("{ $.arrayKey[0] = \"another value\" }")]
    [InlineData("{ $.objectList[1].id = 1 }")]
    [InlineData("{ $.objectList[2].id = 2 }")]
    [InlineData("{ $.eventType[0] = \"UpdateTrail\" }")]
    [InlineData("{ $.eventType IS NULL }")]
    [InlineData("{ $.SomeOtherObject IS NULL }")]
    [InlineData("{ $.SomeObject NOT EXISTS }")]
    [InlineData("{ $.ThisFlag IS FALSE }")]
    [InlineData("{ $.SomeObject IS TRUE }")]
    public void Json_ReversedExamples_DoNotMatchTheSampleEvent(string pattern) => Assert.False(Matches(pattern, OneLine(TrailEvent)));

    // Same page, "STRING": "*Event will match PutEvent and GetEvent. Event* will match EventId and EventName.
    // Ev*ent will only match the actual string Ev*ent."
    [Theory]
    [InlineData("{ $.name = *Event }", "PutEvent", true)]
    [InlineData("{ $.name = *Event }", "GetEvent", true)]
    [InlineData("{ $.name = *Event }", "EventId", false)]
    [InlineData("{ $.name = Event* }", "EventId", true)]
    [InlineData("{ $.name = Event* }", "EventName", true)]
    [InlineData("{ $.name = Event* }", "PutEvent", false)]
    [InlineData("{ $.name = Ev*ent }", "Ev*ent", true)]
    [InlineData("{ $.name = Ev*ent }", "Event", false)]
    [InlineData("{ $.name = Ev*ent }", "Evxent", false)]
    [InlineData("{ $.name = \"*Event\" }", "PutEvent", true)]
    [InlineData("{ $.name = * }", "anything", true)]
    public void Json_Wildcards_AsTheStringRulesSay(string pattern, string value, bool expected) =>
        Assert.Equal(expected, Matches(pattern, $$"""{"name": "{{value}}"}"""));

    // Same page, "JSON Compound Conditions": the sample event and its four examples with their verdicts.
    private const string UsersEvent = """
        {"user": {"id": 1, "email": "John.Stiles@example.com"},
         "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
         "actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}
        """;

    [Theory]
    [InlineData("{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }", true)]
    [InlineData("{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || $.actions[2] = \"GET\" }", false)]
    [InlineData("{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }", true)]
    [InlineData("{ ($.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }", false)]
    [InlineData("{ $.coordinates[2][0] = 7 && $.actions[1] = PUT }", true)]
    public void Json_AwsCompoundExamples_AwsVerdict(string pattern, bool expected) =>
        Assert.Equal(expected, Matches(pattern, OneLine(UsersEvent)));

    // Same page, "JSON Special Considerations": a selector on an array fails both = and !=.
    [Theory]
    [InlineData("{$.users = 1}")]
    [InlineData("{$.users != 1}")]
    public void Json_SelectorOnAnArray_MatchesNeither(string pattern) =>
        Assert.False(Matches(pattern, """{"users": [1, 2, 3]}"""));

    // Same page, "Numeric Comparisons": its seven examples, on an event of ours that satisfies all but one.
    [Theory]
    [InlineData("{ $.latency >= 500 }", true)]
    [InlineData("{ $.numbers[0] < 10e3 }", true)]
    [InlineData("{ $.numbers[0] < 10e-3 }", false)]
    [InlineData("{ $.processes[4].averageRuntime <= 55.5 }", true)]
    [InlineData("{ $.errorCode = 400 }", true)]
    [InlineData("{ $.errorCode != 500 }", true)]
    [InlineData("{ $.latency > +1000 }", true)]
    [InlineData("{ $.latency < 1500 }", false)]
    [InlineData("{ $.latency <= 1500 }", true)]
    [InlineData("{ $.latency > 1500 }", false)]
    [InlineData("{ $.latency = 1.5e3 }", true)]
    public void Json_AwsNumericExamples_CompareAsNumbers(string pattern, bool expected) =>
        Assert.Equal(expected, Matches(pattern, """{"latency": 1500, "numbers": [7], "errorCode": 400, "processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}"""));

    // Same page, "Publishing Numerical Values Found in Log Entries": { $.latency = * } selects events with a latency.
    [Theory]
    [InlineData("""{"latency": 50, "requestType": "GET"}""", true)]
    [InlineData("""{"requestType": "GET"}""", false)]
    [InlineData("latency 50", false)]
    public void Json_AnyValue_NeedsTheProperty(string line, bool expected) => Assert.Equal(expected, Matches("{ $.latency = * }", line));

    [Fact]
    public void Capture_JsonSelector_ReturnsTheValueOfAMatchingLine()
    {
        var pattern = Parse("{ $.level = \"error\" && $.user.id > 0 }");
        Assert.True(pattern.Captures("$.user.id"));
        Assert.False(pattern.Captures("$.user.name"));
        Assert.Equal("42", pattern.Capture(new LogLine("api", """{"level": "error", "user": {"id": 42}}""", default), "$.user.id"));
        Assert.Equal("error", pattern.Capture(new LogLine("api", """{"level": "error", "user": {"id": 42}}""", default), "$.level"));
        Assert.Null(pattern.Capture(new LogLine("api", """{"level": "info", "user": {"id": 42}}""", default), "$.user.id"));
    }

    private static string OneLine(string json) => json.ReplaceLineEndings(" ");
}
