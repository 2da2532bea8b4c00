using Ballast.Core.Logs;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Tests.Logs;

/// <summary>
/// AWS's own filter-pattern examples, each with the verdict AWS states on AWS's sample log events, then the
/// patterns AWS calls invalid, each refused where the fault is.
/// </summary>
public class CloudWatchPatternTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    internal static LogPattern Parse(string pattern)
    {
        Assert.True(LogPattern.TryParse(pattern, PatternSyntax.CloudWatch, out var parsed, out var error), $"refused: {error}");
        return parsed;
    }

    internal static bool Matches(string pattern, string line) => Parse(pattern).IsMatch(new LogLine("api", line, At));

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (the earlier revision,
    // kept at https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md):
    // "Matching Terms in Log Events", examples 1 to 4.
    [Theory]
    [InlineData("\"\"", "[ERROR] A fatal exception has occurred", true)]
    [InlineData("\"\"", "anything at all", true)]
    [InlineData("ERROR", "[ERROR] A fatal exception has occurred", true)]
    [InlineData("ERROR", "Exiting with ERRORCODE: -1", true)]
    [InlineData("\"ERROR\"", "Exiting with ERRORCODE: -1", true)]
    [InlineData("\"ERROR\" - \"Exiting\"", "[ERROR] A fatal exception has occurred", true)]
    [InlineData("\"ERROR\" - \"Exiting\"", "Exiting with ERRORCODE: -1", false)]
    [InlineData("ERROR Exception", "[ERROR] Caught IllegalArgumentException", true)]
    [InlineData("ERROR Exception", "[ERROR] Unhandled Exception", true)]
    [InlineData("ERROR Exception", "[ERROR] A fatal exception has occurred", false)]
    [InlineData("\"Failed to process the request\"", "[WARN] Failed to process the request", true)]
    [InlineData("\"Failed to process the request\"", "[ERROR] Unable to continue: Failed to process the request", true)]
    [InlineData("\"Failed to process the request\"", "[ERROR] Failed to process the response", false)]
    public void Terms_AwsMatchingTermsExamples_AwsVerdict(string pattern, string line, bool expected) =>
        Assert.Equal(expected, Matches(pattern, line));

    // Same page, "OR Pattern Matching": events 1 "ERROR WARN message", 2 "ERROR message", 3 "WARN message".
    [Theory]
    [InlineData("ERROR", true, true, false)]
    [InlineData("?ERROR ?WARN", true, true, true)]
    [InlineData("ERROR WARN", true, false, false)]
    [InlineData("ERROR -WARN", false, true, false)]
    [InlineData("[w1=ERROR, w2]", false, true, false)]
    [InlineData("[w1=ERROR || w1=WARN, w2]", false, true, true)]
    // The page says this one "matches lines containing both ERROR and WARN (pattern 1)", which contradicts its own
    // definition of w1 (the first word of event 1 is ERROR, and event 1 has three words for two fields); by the
    // rules the page states it matches none of the three.
    [InlineData("[w1!=ERROR&&w1!=WARN, w2]", false, false, false)]
    public void Or_AwsOrPatternExamples_AwsVerdict(string pattern, bool first, bool second, bool third)
    {
        Assert.Equal(first, Matches(pattern, "ERROR WARN message"));
        Assert.Equal(second, Matches(pattern, "ERROR message"));
        Assert.Equal(third, Matches(pattern, "WARN message"));
    }

    // Same page, "OR Pattern Matching" in JSON filters: events 1 {"foo": "bar"} and 2 {"foo": "baz"}.
    [Theory]
    [InlineData("{$.foo = bar}", true, false)]
    [InlineData("{$.foo = baz }", false, true)]
    [InlineData("{$.foo = bar || $.foo = baz }", true, true)]
    public void Json_AwsOrExamples_AwsVerdict(string pattern, bool first, bool second)
    {
        Assert.Equal(first, Matches(pattern, """{"foo": "bar"}"""));
        Assert.Equal(second, Matches(pattern, """{"foo": "baz"}"""));
    }

    // https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/lightsail/aws.sdk.kotlin.services.lightsail.model/-get-container-log-request/filter-pattern.html
    [Theory]
    [InlineData("\"\"", "INFO started", true)]
    [InlineData("-ERROR", "INFO started", true)]
    [InlineData("-ERROR", "ERROR failed", false)]
    [InlineData("ERROR", "ERROR failed", true)]
    [InlineData("ERROR Exception", "ERROR failed", false)]
    [InlineData("ERROR Exception", "ERROR NullReferenceException", true)]
    [InlineData("?ERROR ?Exception", "NullReferenceException thrown", true)]
    [InlineData("?ERROR ?Exception", "INFO started", false)]
    public void Terms_LightsailFilterPatternExamples_AwsVerdict(string pattern, string line, bool expected) =>
        Assert.Equal(expected, Matches(pattern, line));

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html, unstructured log events,
    // on its events "[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST", "[ERROR 419] MISSING ARGUMENTS",
    // "[ERROR 420] INVALID ARGUMENTS".
    [Theory]
    [InlineData("ERROR", true, true, true, true)]
    [InlineData("ERROR ARGUMENTS", false, false, true, true)]
    [InlineData("\"INVALID ARGUMENTS\"", false, false, false, true)]
    [InlineData("ERROR -ARGUMENTS", true, true, false, false)]
    [InlineData("\" \"", true, true, true, true)]
    public void Terms_AwsUnstructuredExamples_AwsVerdict(string pattern, bool e400, bool e401, bool e419, bool e420)
    {
        Assert.Equal(e400, Matches(pattern, "[ERROR 400] BAD REQUEST"));
        Assert.Equal(e401, Matches(pattern, "[ERROR 401] UNAUTHORIZED REQUEST"));
        Assert.Equal(e419, Matches(pattern, "[ERROR 419] MISSING ARGUMENTS"));
        Assert.Equal(e420, Matches(pattern, "[ERROR 420] INVALID ARGUMENTS"));
    }

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html
    [Theory]
    [InlineData("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true)]
    [InlineData("%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", true)]
    [InlineData("%AUTHORIZED%", "[ERROR 400] BAD REQUEST", false)]
    [InlineData(@"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", "connection from 192.0.2.10 refused", true)]
    [InlineData(@"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", "connection from localhost refused", false)]
    [InlineData("%[Ee]rror|[Ff]ail%", "Error: disk full", true)]
    [InlineData("%[Ee]rror|[Ff]ail%", "error: disk full", true)]
    [InlineData("%[Ee]rror|[Ff]ail%", "Failed to bind", true)]
    [InlineData("%[Ee]rror|[Ff]ail%", "fail over", true)]
    [InlineData("%[Ee]rror|[Ff]ail%", "ERROR: disk full", false)]
    public void Regex_AwsRegexExamples_AwsVerdict(string pattern, string line, bool expected) =>
        Assert.Equal(expected, Matches(pattern, line));

    // Same page: each operator it lists as supported (^ $ ? [ ] { } | \ * + .), on lines of ours.
    [Theory]
    [InlineData("%^ERROR%", "ERROR first", true)]
    [InlineData("%^ERROR%", "not ERROR first", false)]
    [InlineData("%colou?r%", "colour", true)]
    [InlineData("%colou?r%", "color", true)]
    [InlineData(@"%192\.0\.2\.1%", "from 192.0.2.1", true)]
    [InlineData(@"%192\.0\.2\.1%", "from 192a0b2c1", false)]
    [InlineData("%done$%", "job done", true)]
    [InlineData("%done$%", "done job", false)]
    [InlineData("%gr[ae]y%", "grey", true)]
    [InlineData("%ab+c%", "abbbc", true)]
    [InlineData("%ab+c%", "ac", false)]
    [InlineData("%a.c%", "a-c", true)]
    [InlineData("%ab*c%", "ac", true)]
    [InlineData("%x{3}%", "xx", false)]
    [InlineData("%user=@_#/;,-:%", "user=@_#/;,-:", true)]
    public void Regex_SupportedOperators_MatchAsDocumented(string pattern, string line, bool expected) =>
        Assert.Equal(expected, Matches(pattern, line));

    [Fact]
    public void TryParse_EmptyCloudWatchPattern_MatchesEveryLineWhileOtherSyntaxesRefuseIt()
    {
        var pattern = Assert.IsType<CloudWatchPattern>(Parse(""));
        Assert.True(pattern.MatchesEverything);
        Assert.True(pattern.IsMatch(new LogLine("api", "", At)));
        Assert.False(LogPattern.TryParse("", PatternSyntax.Text, out _, out var error));
        Assert.Equal(0, error.Offset);
    }

    // docs/logs.md, "## Patterns": every CloudWatch example it shows, on a line it describes.
    [Theory]
    [InlineData("ERROR", "Exiting with ERRORCODE: -1", true)]
    [InlineData("\"status=500\"", "GET / status=500", true)]
    [InlineData("\"[ERROR]\"", "[ERROR] boom", true)]
    [InlineData(@"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", "from 203.0.113.9", true)]
    [InlineData(@"%^Connection\sreset%", "Connection reset by peer", true)]
    [InlineData("{ $.eventType = Update* }", """{"eventType": "UpdateTrail"}""", true)]
    [InlineData("{ $.ip != 123.123.* }", """{"ip": "111.111.111.111"}""", true)]
    [InlineData("{ $.message = %refused|reset% }", """{"message": "connection reset"}""", true)]
    [InlineData("{ $.level = \"error\" && $.latency > 500 }", """{"level": "error", "latency": 501}""", true)]
    [InlineData("{ $.level = \"error\" && $.latency > 500 }", """{"level": "error", "latency": "501"}""", true)]
    [InlineData("{ $.level = \"error\" && $.latency > 500 }", """{"level": "error", "latency": 500}""", false)]
    [InlineData("{ ($.a = 1 || $.b = 2) && $.c != x }", """{"a": 3, "b": 2, "c": "y"}""", true)]
    [InlineData("{ ($.a = 1 || $.b = 2) && $.c != x }", """{"a": 1, "c": "x"}""", false)]
    [InlineData("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes > 1000]", "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534", true)]
    [InlineData("[..., status_code = 5*, bytes]", "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 503 1534", true)]
    [InlineData("[a, , c]", "one two three", true)]
    [InlineData("[a, , c]", "one two", false)]
    [InlineData("[status_code = 4* && status_code != 403, ...]", "403 forbidden", false)]
    [InlineData("[status_code = 4* && status_code != 403, ...]", "404 missing", true)]
    public void Docs_CloudWatchExamples_MatchAsDescribed(string pattern, string line, bool expected) =>
        Assert.Equal(expected, Matches(pattern, line));

    [Theory]
    [InlineData("{ $.* = 1 }", 4)]
    [InlineData("{ $.items[*] = 1 }", 10)]
    public void TryParse_SelectorWildcardsAwsDoesNotDocument_Refused(string pattern, int offset)
    {
        Assert.False(LogPattern.TryParse(pattern, PatternSyntax.CloudWatch, out _, out var error));
        Assert.Equal(offset, error.Offset);
    }
}
