using Ballast.Core.Logs;
using static Ballast.Core.Tests.Logs.CloudWatchPatternTests;

namespace Ballast.Core.Tests.Logs;

/// <summary>Space-delimited filter patterns: AWS's examples on AWS's sample access-log events.</summary>
public class CloudWatchDelimitedPatternTests
{
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (earlier revision:
    // https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/blob/master/doc_source/FilterAndPatternSyntax.md),
    // "Using Metric Filters to Extract Values from Space-Delimited Log Events": its three sample events.
    private const string First = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534";
    private const string Second = "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 500 5324";
    private const string Third = "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 4355";

    [Theory]
    [InlineData("[ip, user, username, timestamp, request, status_code, bytes]", true, true, true)]
    [InlineData("[..., status_code, bytes]", true, true, true)]
    [InlineData("[ip, user, ..., status_code, bytes]", true, true, true)]
    [InlineData("[ip, user, ...]", true, true, true)]
    [InlineData("[ip, user, username, timestamp, request, status_code, bytes > 1000]", true, true, true)]
    [InlineData("[ip, user, username, timestamp, request, status_code = 200, bytes]", true, false, true)]
    [InlineData("[ip, user, username, timestamp, request, status_code = 4*, bytes]", false, false, false)]
    [InlineData("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", false, false, false)]
    [InlineData("[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", false, false, false)]
    [InlineData("[ip, user, username, timestamp, request, status_code = 5*, bytes]", false, true, false)]
    [InlineData("[ip, user, username, timestamp, request = \"GET /apache_pb.gif HTTP/1.0\", status_code, bytes > 5000]", false, true, false)]
    [InlineData("[ip, user, username, timestamp = \"10/Oct/2000:13:3*\", ...]", false, true, false)]
    [InlineData("[ip, user, username, timestamp, request, status_code = 2* && status_code != 200, bytes]", false, false, false)]
    [InlineData("[ip, user, username, timestamp, request, status_code, bytes, more]", false, false, false)]
    [InlineData("[ip, user, username, timestamp, request, status_code]", false, false, false)]
    [InlineData("[ip, ..., status_code = 500, ...]", false, true, false)]
    [InlineData("[ip, ..., big >= 5000, ...]", false, true, false)]
    public void Delimited_AwsExamples_OnTheSampleEvents(string pattern, bool first, bool second, bool third)
    {
        Assert.Equal(first, Matches(pattern, First));
        Assert.Equal(second, Matches(pattern, Second));
        Assert.Equal(third, Matches(pattern, Third));
    }

    // Same page: "Example Filter: [..., request=*.html*, status_code=4*,]" and its example event, with the fields it
    // extracts ($request without its quotes, $status_code, and the unnamed last field).
    [Fact]
    public void Capture_AwsExtractedFieldsExample_NamedFieldsWithoutQuotes()
    {
        var pattern = Parse("[..., request=*.html*, status_code=4*,]");
        var line = new LogLine("web", "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534", default);
        Assert.True(pattern.IsMatch(line));
        Assert.True(pattern.Captures("request"));
        Assert.True(pattern.Captures("status_code"));
        Assert.False(pattern.Captures("bytes"));
        Assert.Equal("GET /index.html HTTP/1.0", pattern.Capture(line, "request"));
        Assert.Equal("404", pattern.Capture(line, "status_code"));
        Assert.False(pattern.IsMatch(new LogLine("web", First, default)));
        Assert.Null(pattern.Capture(new LogLine("web", First, default), "status_code"));
    }

    [Fact]
    public void Capture_BracketedField_IsOneFieldWithoutBrackets()
    {
        var pattern = Parse("[ip, user, username, timestamp, request, status_code, bytes]");
        Assert.Equal("10/Oct/2000:13:35:22 -0700", pattern.Capture(new LogLine("web", Second, default), "timestamp"));
        Assert.Equal("5324", pattern.Capture(new LogLine("web", Second, default), "bytes"));
    }

    [Theory]
    [InlineData("[level = ERROR, ...]", "ERROR   disk\tfull", true)]
    [InlineData("[level, code = %^E[0-9]+$%, ...]", "WARN E1234 slow", true)]
    [InlineData("[level, code = %^E[0-9]+$%, ...]", "WARN X1234 slow", false)]
    [InlineData("[level != ERROR, ...]", "WARN x", true)]
    [InlineData("[level != ERROR, ...]", "ERROR x", false)]
    [InlineData("[..., ms > 250]", "GET /api 251", true)]
    [InlineData("[..., ms > 250]", "GET /api fast", false)]
    [InlineData("[a, ..., b, ..., c = end]", "start x y mid z end", true)]
    [InlineData("[a = start, ..., b = mid, ..., c = end]", "start x mid y end", true)]
    [InlineData("[a = start, ..., b = mid, ..., c = end]", "start x y end", false)]
    public void Delimited_SplittingAndConditions(string pattern, string line, bool expected) =>
        Assert.Equal(expected, Matches(pattern, line));
}
