using System.Text;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Packs;
using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Tests.Logs;

public sealed class LogPacksTests
{
    public static TheoryData<string> PackNames => new(LogPacks.All.Keys);

    [Theory]
    [MemberData(nameof(PackNames))]
    public void Pack_EveryRuleValidatesAndEveryPatternJudgesUtf8(string name)
    {
        foreach (var rule in LogPacks.All[name])
        {
            var errors = new List<string>();
            rule.Validate(new ConfigValidation((key, message) => errors.Add($"{rule.Name}.{key}: {message}")));
            Assert.Empty(errors);
            foreach (var text in Patterns(rule))
            {
                Assert.True(LogPattern.TryParse(text, rule.PatternSyntax, out var pattern, out var error), $"{rule.Name}: {error?.Message}");
                Assert.True(pattern.TryMatchUtf8("no match here"u8, out var matched), $"{rule.Name}: {text} cannot judge UTF-8");
                Assert.False(matched);
            }
        }
    }

    // Lines as the frameworks and drivers print them.
    [Theory]
    [InlineData("nestjs", "nestjs-uncaught-exception", "[Nest] 1  - 11/29/2026, 2:13:07 AM   ERROR [ExceptionsHandler] Cannot read properties of undefined (reading 'id')")]
    [InlineData("nestjs", "nestjs-database-connection", "PrismaClientInitializationError: Can't reach database server at `db.internal`:`5432`")]
    [InlineData("nestjs", "nestjs-database-connection", "[Nest] 1  - 11/29/2026, 2:13:07 AM   ERROR [TypeOrmModule] Unable to connect to the database. Retrying (1)...")]
    [InlineData("nestjs", "nestjs-redis-connection", "[ioredis] Unhandled error event: Error: connect ECONNREFUSED 127.0.0.1:6379")]
    [InlineData("nestjs", "nestjs-out-of-memory", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")]
    [InlineData("aspnetcore", "aspnetcore-unhandled-exception", "      An unhandled exception has occurred while executing the request.")]
    [InlineData("aspnetcore", "aspnetcore-database-connection", "      Npgsql.NpgsqlException (0x80004005): Failed to connect to 192.0.2.5:5432")]
    [InlineData("aspnetcore", "aspnetcore-redis-connection", "StackExchange.Redis.RedisConnectionException: It was not possible to connect to the redis server(s). Error connecting right now.")]
    [InlineData("aspnetcore", "aspnetcore-out-of-memory", "Unhandled exception. System.OutOfMemoryException: Exception of type 'System.OutOfMemoryException' was thrown.")]
    public void Pack_RuleMatchesTheFrameworksOwnWording(string pack, string ruleName, string line)
    {
        var rule = Assert.IsType<ThresholdRuleConfig>(LogPacks.All[pack].Single(r => r.Name == ruleName));
        Assert.True(LogPattern.TryParse(rule.Match, rule.PatternSyntax, out var pattern, out _));

        Assert.True(pattern.IsMatch(new LogLine("api", line, DateTimeOffset.UnixEpoch)));
        Assert.True(pattern.TryMatchUtf8(Encoding.UTF8.GetBytes(line), out var matched) && matched);
    }

    private static string[] Patterns(LogRuleConfig rule) => rule switch
    {
        ThresholdRuleConfig t => [t.Match],
        SequenceRuleConfig s => [s.First, s.Then],
        AbsenceRuleConfig { Match: { } m } => [m],
        _ => [],
    };
}
