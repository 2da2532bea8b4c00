using System.Text;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Tests.Logs;

/// <summary>
/// `ballast logs scan` runs packs of literal patterns over gigabytes of lines: matching a line must not allocate,
/// or the collector, not the search, sets the pace.
/// </summary>
public class LiteralPatternCostTests
{
    private static readonly LogLine[] Lines =
    [
        new("api", "2026-12-01T12:00:00Z INFO GET /health 200 3ms", default),
        new("api", "2026-12-01T12:00:01Z ERROR upstream timed out after 30000ms on /orders", default),
        new("api", "2026-12-01T12:00:02Z WARN retrying payment 7f3a (attempt 2)", default),
    ];

    [Theory]
    [InlineData(PatternSyntax.Text, "upstream timed out")]
    [InlineData(PatternSyntax.CloudWatch, "ERROR upstream")]
    [InlineData(PatternSyntax.CloudWatch, "?ERROR ?WARN ?FATAL -health")]
    [InlineData(PatternSyntax.CloudWatch, "\"timed out\" -\"/health\" -DEBUG")]
    [InlineData(PatternSyntax.CloudWatch, "[time, level = ERROR || level = WARN, ...]")]
    public void IsMatch_LiteralPatterns_AllocateNothingPerLine(PatternSyntax syntax, string text)
    {
        Assert.True(LogPattern.TryParse(text, syntax, out var pattern, out var error), error?.Message);
        var matched = 0;
        foreach (var line in Lines) matched += pattern.IsMatch(line) ? 1 : 0; // first calls may JIT and allocate
        Assert.True(matched > 0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
            foreach (var line in Lines) matched += pattern.IsMatch(line) ? 1 : 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("?ERROR ?WARN ?FATAL", 0, false)]
    [InlineData("?ERROR ?WARN ?FATAL", 1, true)]
    [InlineData("?ERROR ?WARN ?FATAL", 2, true)]
    [InlineData("?FATAL ?PANIC", 1, false)]
    [InlineData("-ERROR -WARN", 0, true)]
    [InlineData("-ERROR -WARN", 1, false)]
    [InlineData("-ERROR -WARN", 2, false)]
    [InlineData("ms -ERROR -WARN", 0, true)]
    [InlineData("INFO ?200 ?500", 0, true)]
    [InlineData("INFO ?404 ?500", 0, false)]
    public void IsMatch_SeveralOptionalOrExcludedTerms_SearchedTogether(string text, int line, bool expected)
    {
        Assert.True(LogPattern.TryParse(text, PatternSyntax.CloudWatch, out var pattern, out _));
        Assert.Equal(expected, pattern.IsMatch(Lines[line]));
    }

    [Theory]
    [InlineData(PatternSyntax.Text, "timed out")]
    [InlineData(PatternSyntax.Text, "caf\u00e9 \u2603")]
    [InlineData(PatternSyntax.CloudWatch, "ERROR upstream")]
    [InlineData(PatternSyntax.CloudWatch, "?FATAL ?\"caf\u00e9\" -health")]
    [InlineData(PatternSyntax.CloudWatch, "-ERROR -WARN")]
    [InlineData(PatternSyntax.CloudWatch, "\"\"")]
    public void TryMatchUtf8_LiteralPatterns_AgreeWithIsMatchWithoutAllocating(PatternSyntax syntax, string text)
    {
        Assert.True(LogPattern.TryParse(text, syntax, out var pattern, out _));
        string[] lines = [.. Lines.Select(l => l.Text), "le caf\u00e9 \u2603 est ferm\u00e9", "FATAL: caf\u00e9 health", ""];
        var encoded = lines.Select(Encoding.UTF8.GetBytes).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.True(pattern.TryMatchUtf8(encoded[i], out var matched));
            Assert.Equal(pattern.IsMatch(new LogLine("api", lines[i], default)), matched);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) pattern.TryMatchUtf8(encoded[i % encoded.Length], out _);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(PatternSyntax.Regex, "timed out")]
    [InlineData(PatternSyntax.CloudWatch, "%timed\\sout%")]
    [InlineData(PatternSyntax.CloudWatch, "{ $.level = error }")]
    [InlineData(PatternSyntax.CloudWatch, "[time, level = ERROR, ...]")]
    public void TryMatchUtf8_PatternsThatNeedTheDecodedLine_Decline(PatternSyntax syntax, string text)
    {
        Assert.True(LogPattern.TryParse(text, syntax, out var pattern, out _));
        Assert.False(pattern.TryMatchUtf8("ERROR timed out"u8, out _));
    }
}
