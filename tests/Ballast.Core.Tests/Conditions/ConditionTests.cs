using Ballast.Core.Conditions;
using Ballast.Core.Monitoring;

namespace Ballast.Core.Tests.Conditions;

public class ConditionTests
{
    private static readonly Observation Http = new()
    {
        Status = 503,
        Body = """{"status":"fail","items":[{"id":1},{"id":2}],"error":null,"checks":{"db":"ok"},"count":3}""",
        Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/health+json",
            ["Access-Control-Allow-Origin"] = "https://app.example.com",
        },
        ResponseTime = TimeSpan.FromMilliseconds(1834),
        CertExpiry = TimeSpan.FromDays(10),
        Connected = true,
        Dns = new Dictionary<string, IReadOnlyList<string>> { ["A"] = ["192.0.2.5", "192.0.2.6"] },
        RunDuration = TimeSpan.FromMinutes(3),
    };

    [Theory]
    [InlineData("[STATUS] == 503")]
    [InlineData("[STATUS] == any(200, 503)")]
    [InlineData("[STATUS] != 200")]
    [InlineData("[STATUS] < 600")]
    [InlineData("[STATUS] >= 500")]
    [InlineData("[BODY] contains \"fail\"")]
    [InlineData("[BODY] not contains \"pass\"")]
    [InlineData("[BODY] matches \"^\\\\{\\\"status\"")]
    [InlineData("[BODY].status == fail")]
    [InlineData("[BODY].checks.db == ok")]
    [InlineData("[BODY].items[1].id == 2")]
    [InlineData("[BODY].count > 2")]
    [InlineData("len([BODY].items) > 0")]
    [InlineData("len([BODY].items) == 2")]
    [InlineData("has([BODY].checks) == true")]
    [InlineData("has([BODY].error) == false")]
    [InlineData("has([BODY].missing) == false")]
    [InlineData("[RESPONSE_TIME] < 2000")]
    [InlineData("[RESPONSE_TIME] < 2s")]
    [InlineData("[HEADER].content-type contains json")]
    [InlineData("[HEADER].Access-Control-Allow-Origin == https://app.example.com")]
    [InlineData("[CERT_EXPIRY] > 7d")]
    [InlineData("[CONNECTED] == true")]
    [InlineData("[DNS].A contains 192.0.2.5")]
    [InlineData("len([DNS].A) == 2")]
    [InlineData("[DURATION] < 5m")]
    public void Evaluate_MatchingObservation_Passes(string text)
    {
        var outcome = Condition.Parse(text).Evaluate(Http);

        Assert.True(outcome.Passed, outcome.Failure);
        Assert.Null(outcome.Failure);
    }

    [Theory]
    [InlineData("[STATUS] == 200", "[STATUS] == 200 failed: got 503")]
    [InlineData("[STATUS] == any(200, 204)", "[STATUS] == any(200, 204) failed: got 503")]
    [InlineData("[STATUS] < 500", "[STATUS] < 500 failed: got 503")]
    [InlineData("[BODY] contains \"zzz\"", "[BODY] contains \"zzz\" failed: got \"{\"status\":\"fail\",")]
    [InlineData("[BODY] matches \"^ok\"", "[BODY] matches \"^ok\" failed: got \"{\"status\"")]
    [InlineData("[BODY].status == pass", "[BODY].status == pass failed: got \"fail\"")]
    [InlineData("[BODY].nothere == pass", "[BODY].nothere == pass failed: [BODY].nothere is missing")]
    [InlineData("[BODY].items[5].id == 1", "[BODY].items[5].id == 1 failed: [BODY].items[5] is missing ([BODY].items has 2 items)")]
    [InlineData("len([BODY].items) > 2", "len([BODY].items) > 2 failed: got 2")]
    [InlineData("has([BODY].checks) == false", "has([BODY].checks) == false failed: got true")]
    [InlineData("[RESPONSE_TIME] < 800", "[RESPONSE_TIME] < 800 failed: got 1s834ms")]
    [InlineData("[HEADER].content-type contains xml", "[HEADER].content-type contains xml failed: got \"application/health+json\"")]
    [InlineData("[HEADER].x-missing == 1", "[HEADER].x-missing == 1 failed: header x-missing is missing")]
    [InlineData("[CERT_EXPIRY] > 14d", "[CERT_EXPIRY] > 14d failed: got 10d")]
    [InlineData("[CONNECTED] == false", "[CONNECTED] == false failed: got true")]
    [InlineData("[DNS].A contains 192.0.2.9", "[DNS].A contains 192.0.2.9 failed: got [\"192.0.2.5\", \"192.0.2.6\"]")]
    [InlineData("[DURATION] < 1m", "[DURATION] < 1m failed: got 3m")]
    public void Evaluate_MismatchingObservation_FailsWithSentence(string text, string expectedStart)
    {
        var outcome = Condition.Parse(text).Evaluate(Http);

        Assert.False(outcome.Passed);
        Assert.StartsWith(expectedStart, outcome.Failure);
    }

    [Fact]
    public void Evaluate_NoAnswer_SaysWhyNothingWasSeen()
    {
        var refused = Observation.NoAnswer("connection refused (127.0.0.1:5000)");

        Assert.Equal("[STATUS] == 200 failed: no response: connection refused (127.0.0.1:5000)",
            Condition.Parse("[STATUS] == 200").Evaluate(refused).Failure);
        Assert.Equal("[CONNECTED] == true failed: got false", Condition.Parse("[CONNECTED] == true").Evaluate(refused).Failure);
    }

    [Fact]
    public void Evaluate_BodyNotJson_SaysSo()
    {
        var outcome = Condition.Parse("[BODY].status == pass").Evaluate(new Observation { Status = 200, Body = "<html>" });

        Assert.Equal("[BODY].status == pass failed: [BODY] is not JSON", outcome.Failure);
    }

    [Fact]
    public void Evaluate_LongBody_IsShortenedInTheSentence()
    {
        var outcome = Condition.Parse("[BODY] contains needle").Evaluate(new Observation { Body = new string('x', 5000) });

        Assert.Contains("(5000 chars)", outcome.Failure);
        Assert.True(outcome.Failure!.Length < 200);
    }

    [Theory]
    [InlineData("STATUS == 200", 0, "starts with a placeholder")]
    [InlineData("[STATUS] = 200", 9, "expected an operator")]
    [InlineData("[STAUS] == 200", 1, "did you mean [STATUS]")]
    [InlineData("[STATUS] ==", 11, "expected a value")]
    [InlineData("[STATUS] < fast", 11, "not a number or duration")]
    [InlineData("[BODY] matches \"(\"", 15, "bad regular expression")]
    [InlineData("[STATUS] == any(200, 204", 24, "expected \",\" or \")\"")]
    [InlineData("[HEADER] == x", 0, "needs a header name")]
    [InlineData("[STATUS].x == 1", 0, "has no fields")]
    [InlineData("len([BODY].items > 0", 16, "expected \")\"")]
    [InlineData("[BODY] contains \"open", 16, "unclosed quote")]
    public void TryParse_BadCondition_ReportsWhereAndWhat(string text, int offset, string message)
    {
        Assert.False(Condition.TryParse(text, out _, out var error, out var at));
        Assert.Contains(message, error);
        Assert.Equal(offset, at);
    }
}
