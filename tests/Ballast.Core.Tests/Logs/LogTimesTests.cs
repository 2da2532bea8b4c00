using Ballast.Core.Logs;
using Ballast.Core.Logs.Parsing;

namespace Ballast.Core.Tests.Logs;

/// <summary>
/// Times read from lines as real loggers write them: the RFC 5424 and RFC 3164 examples, NestJS's ConsoleLogger,
/// ASP.NET Core's simple, systemd and JSON console formatters, pino, zap, bunyan and Serilog's compact JSON.
/// </summary>
public sealed class LogTimesTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 11, 29, 10, 5, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> NoLabels = [];

    private static DateTimeOffset Read(string text, DateTimeOffset? arrival = null, TimeZoneInfo? zone = null) =>
        LogTimes.Parse("api", text, arrival ?? Arrival, NoLabels, zone).Time;

    [Theory]
    // RFC 5424 section 6.5, examples 1 and 2.
    [InlineData("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8", "2003-10-11T22:14:15.003Z")]
    [InlineData("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", "2003-08-24T12:14:15.000003Z")]
    // ASP.NET Core's simple formatter, SingleLine, TimestampFormat "yyyy-MM-dd HH:mm:ss.fff " (and UseUtcTimestamp).
    [InlineData("2026-11-29 09:58:12.345 info: Microsoft.Hosting.Lifetime[14] Now listening on: http://localhost:5000", "2026-11-29T09:58:12.345Z")]
    // ASP.NET Core's systemd formatter with TimestampFormat "yyyy-MM-dd HH:mm:ss ".
    [InlineData("<6>2026-11-29 09:58:12 Microsoft.Hosting.Lifetime[14] Now listening on: http://localhost:5000", "2026-11-29T09:58:12Z")]
    // Spring Boot's default console pattern, Python logging's default asctime, Rust env_logger's default.
    [InlineData("2026-11-29T09:58:12.345Z  INFO 1 --- [main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http)", "2026-11-29T09:58:12.345Z")]
    [InlineData("2026-11-29 09:58:12,345 - app - INFO - Listening on port 3697", "2026-11-29T09:58:12.345Z")]
    [InlineData("[2026-11-29T09:58:12Z ERROR api] connection refused", "2026-11-29T09:58:12Z")]
    [InlineData("2026-11-29T10:58:12.345+01:00 listening", "2026-11-29T09:58:12.345Z")]
    public void Parse_TextWithRfc3339Time_TakesIt(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Read(text));

    [Theory]
    // NestJS ConsoleLogger: en-US (the default locale), and a day-first locale.
    [InlineData("[Nest] 46866  - 11/29/2026, 9:50:47 AM     LOG [NestFactory] Starting Nest application...", "2026-11-29T09:50:47Z")]
    [InlineData("[Nest] 46866  - 11/29/2026, 12:03:01 PM   ERROR [ExceptionHandler] connect ECONNREFUSED 127.0.0.1:5432", "2026-11-29T12:03:01Z")]
    [InlineData("[Nest] 101454  - 29/11/2026 09:12:38     LOG [InstanceLoader] AppModule dependencies initialized +7ms", "2026-11-29T09:12:38Z")]
    public void Parse_NestConsoleLine_TakesItsLocalTime(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Read(text));

    [Fact]
    public void Parse_NestLineInTheSourcesZone_ConvertsToUtc()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var time = Read("[Nest] 46866  - 11/29/2026, 9:50:47 AM     LOG [NestFactory] Starting Nest application...", zone: berlin);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 8, 50, 47, TimeSpan.Zero), time);
    }

    [Fact]
    public void Parse_Rfc3164Line_TakesTheYearFromArrival()
    {
        // RFC 3164 section 5.4, example 1.
        var time = Read("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", new DateTimeOffset(2026, 10, 12, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 10, 11, 22, 14, 15, TimeSpan.Zero), time);
    }

    [Fact]
    public void Parse_SyslogLineFromDecemberReadInJanuary_IsLastYears()
    {
        var time = Read("Dec 31 23:59:58 host app[123]: Listening on port 3697", new DateTimeOffset(2027, 1, 1, 0, 0, 3, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 23, 59, 58, TimeSpan.Zero), time);
    }

    [Fact]
    public void Parse_SyslogLineWithSpacePaddedDay_TakesIt() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero), Read("Nov  2 10:00:00 host app[123]: started"));

    [Fact]
    public void Parse_AspNetCoreTimeOfDayFormat_TakesTheDateFromArrival() =>
        // TimestampFormat "HH:mm:ss " as in the console-log-formatter docs' example.
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 10, 4, 58, TimeSpan.Zero), Read("10:04:58 info: Program[0] Hello World!"));

    [Fact]
    public void Parse_TimeOfDayJustBeforeMidnight_IsYesterdays() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 23, 59, 59, TimeSpan.Zero),
            Read("23:59:59 fail: Program[0] boom", new DateTimeOffset(2026, 11, 29, 0, 0, 1, TimeSpan.Zero)));

    [Theory]
    // pino (epoch milliseconds), as its README shows its output.
    [InlineData("""{"pid":13087,"hostname":"MacBook-Pro-3.home","level":30,"msg":"hello world","time":1457531561635,"v":0}""", 1457531561635)]
    // zap's production encoder (epoch seconds with a fraction).
    [InlineData("""{"level":"info","ts":1494865219.630,"caller":"zap/example.go:12","msg":"failed to fetch URL"}""", 1494865219630)]
    public void Parse_JsonLineWithEpochTime_TakesIt(string text, long epochMs) =>
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(epochMs), Read(text));

    [Theory]
    // Serilog's compact JSON, bunyan, and ASP.NET Core's JSON console formatter with a TimestampFormat.
    [InlineData("""{"@t":"2016-06-07T03:44:57.8532799Z","@mt":"Hello, {User}","User":"nblumhardt"}""", "2016-06-07T03:44:57.8532799Z")]
    [InlineData("""{"name":"myapp","hostname":"banana.local","pid":40161,"level":30,"msg":"hi","time":"2013-01-04T18:46:23.851Z","v":0}""", "2013-01-04T18:46:23.851Z")]
    [InlineData("""{"Timestamp":"2026-11-29 09:58:12 ","EventId":14,"LogLevel":"Information","Category":"Microsoft.Hosting.Lifetime","Message":"Now listening on: http://localhost:5000"}""", "2026-11-29T09:58:12Z")]
    public void Parse_JsonLineWithTextTime_TakesIt(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Read(text));

    [Theory]
    [InlineData("info: Microsoft.Hosting.Lifetime[14]")]
    [InlineData("      Now listening on: http://localhost:5000")]
    [InlineData("[Nest] LOG [NestFactory] Starting Nest application...")]
    [InlineData("""{"level":30,"msg":"no time here"}""")]
    [InlineData("""{"time":"soon","msg":"not a time"}""")]
    [InlineData("12345678 bytes received")]
    [InlineData("Listening on port 3697")]
    public void Parse_LineWithoutTime_TakesArrival(string text) => Assert.Equal(Arrival, Read(text));

    [Fact]
    public void Parse_JsonLine_ParsesTheObjectOnceForTimeAndFields()
    {
        var line = LogTimes.Parse("api", """{"level":50,"time":1457531561635,"req":{"url":"/v1/ping"}}""", Arrival, NoLabels);
        Assert.True(LogField.TryParse("$.req.url", out var field, out _, out _));
        Assert.Equal("/v1/ping", field.ReadText(line));
    }
}
