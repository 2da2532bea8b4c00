using Ballast.Core.Logs;
using Ballast.Core.Logs.Parsing;

namespace Ballast.Core.Tests.Logs;

public sealed class LogFieldTests
{
    private static readonly LogLine Pino = new("api", """{"level":50,"msg":"request failed","req":{"method":"GET","headers":{"host":"api.example.com"}},"errors":[{"code":"ECONNREFUSED"}],"gone":null}""", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("$.level", "50")]
    [InlineData("$.msg", "request failed")]
    [InlineData("$.req.method", "GET")]
    [InlineData("$.req.headers.host", "api.example.com")]
    [InlineData("$.errors[0].code", "ECONNREFUSED")]
    [InlineData("$.missing", null)]
    [InlineData("$.req.missing.deeper", null)]
    [InlineData("$.errors[3].code", null)]
    [InlineData("$.gone", null)]
    public void ReadText_PathIntoJsonLine_FindsTheValue(string path, string? expected)
    {
        Assert.True(LogField.TryParse(path, out var field, out var error, out _), error);
        Assert.Equal(expected, field.ReadText(Pino));
    }

    [Fact]
    public void ReadText_PlainTextLine_IsNull()
    {
        Assert.True(LogField.TryParse("$.level", out var field, out _, out _));
        Assert.Null(field.ReadText(new LogLine("api", "level=50 msg=hi", DateTimeOffset.UnixEpoch)));
    }

    [Theory]
    [InlineData("level", 0)]
    [InlineData("$.req..url", 6)]
    [InlineData("$.errors[x]", 8)]
    [InlineData("$.errors[0", 8)]
    public void TryParse_BadPath_SaysWhere(string path, int offset)
    {
        Assert.False(LogField.TryParse(path, out _, out var error, out var at));
        Assert.NotEmpty(error);
        Assert.Equal(offset, at);
    }
}
