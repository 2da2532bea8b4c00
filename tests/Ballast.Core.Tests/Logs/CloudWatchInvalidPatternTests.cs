using Ballast.Core.Logs.Patterns;

namespace Ballast.Core.Tests.Logs;

/// <summary>Patterns AWS refuses, each refused here with the offset of its fault and a sentence saying what is wrong.</summary>
public class CloudWatchInvalidPatternTests
{
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html: only letters, digits,
    // _ # = @ / ; , - (and :), and the operators ^ $ ? [ ] { } | \ * + . are allowed; "%something!% would be
    // rejected"; "The ( and ) operators are not supported"; "Multi-byte characters are not supported"; at most two
    // regular expressions in one JSON or space-delimited pattern.
    [Theory]
    [InlineData("%something!%", 10, "'!'")]
    [InlineData("%(a|b)%", 1, "parentheses")]
    [InlineData("%a)%", 2, "parentheses")]
    [InlineData("%caf\u00e9%", 4, "multi-byte")]
    [InlineData("%a b%", 2, "' '")]
    [InlineData("%abc", 0, "never closed")]
    [InlineData("%%", 0, "empty")]
    [InlineData("%[a-%", 3, "not a valid regular expression")]
    [InlineData("%abc% ERROR", 6, "whole pattern")]
    [InlineData("ERROR %abc%", 6, "whole pattern")]
    [InlineData("{ $.a = %x% || $.b = %y% || $.c = %z% }", 34, "at most 2")]
    [InlineData("[a = %x%, b = %y%, c = %z%]", 23, "at most 2")]
    [InlineData("{ $.a > %x% }", 8, "= or !=")]
    public void TryParse_RegexAwsRefuses_RefusedAtTheFault(string pattern, int offset, string says) => AssertRefused(pattern, offset, says);

    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html: "terms that include
    // characters other than alphanumeric or underscore must be placed inside double quotes".
    [Theory]
    [InlineData("ERROR:", 5, "double quotes")]
    [InlineData("ERROR status=500", 12, "double quotes")]
    [InlineData("\"unterminated phrase", 0, "never closed")]
    [InlineData("ERROR \"open", 6, "never closed")]
    [InlineData("? ERROR", 0, "followed by a term")]
    [InlineData("ERROR -", 6, "followed by a term")]
    [InlineData("ERROR \"\"", 6, "stand alone")]
    [InlineData("\"ERROR\"x", 7, "separated by spaces")]
    public void TryParse_TermsAwsRefuses_RefusedAtTheFault(string pattern, int offset, string says) => AssertRefused(pattern, offset, says);

    // Same page, JSON patterns: "{ SELECTOR OPERATOR VALUE }" in braces; selectors start with $, are alphanumeric with
    // - and _, array elements "must follow a property"; <, <=, >, >= take numbers; strings with characters such as
    // @, $ or \ "must be enclosed in double quotes".
    [Theory]
    [InlineData("{ $.level = \"error\"", 0, "never closed")]
    [InlineData("{ level = \"error\" }", 2, "selector")]
    [InlineData("{ $ = 1 }", 2, "names a property")]
    [InlineData("{ $. = 1 }", 4, "property name")]
    [InlineData("{ $[0] = 1 }", 3, "must follow a property")]
    [InlineData("{ $.a[x] = 1 }", 6, "whole number")]
    [InlineData("{ $.latency > abc }", 14, "not a number")]
    [InlineData("{ $.latency >= \"500\" }", 15, "is a string")]
    [InlineData("{ $.email = john@example.com }", 16, "double quotes")]
    [InlineData("{ $.a = 1 && }", 13, "selector")]
    [InlineData("{ $.a = 1 || || $.b = 2 }", 13, "selector")]
    [InlineData("{ ($.a = 1 }", 2, "never closed with )")]
    [InlineData("{ $.a = 1 ) }", 10, "found ')'")]
    [InlineData("{ $.a IS MAYBE }", 9, "NULL, TRUE or FALSE")]
    [InlineData("{ $.a NOT THERE }", 10, "EXISTS")]
    [InlineData("{ $.a EXISTS }", 6, "after the selector")]
    [InlineData("{ $.a }", 6, "comparison")]
    [InlineData("{ $.a == 1 }", 7, "'='")]
    [InlineData("{ $.a = }", 8, "value")]
    [InlineData("{ }", 2, "needs a condition")]
    [InlineData("{ $.a = 1 } ERROR", 12, "nothing may follow")]
    [InlineData("{ $.a = 1 $.b = 2 }", 10, "found '$'")]
    public void TryParse_JsonAwsRefuses_RefusedAtTheFault(string pattern, int offset, string says) => AssertRefused(pattern, offset, says);

    // Same page, space-delimited patterns: "fields with a name, separated by commas, with the entire pattern enclosed
    // in square brackets"; conditions use =, != (strings, with *) and <, <=, >, >= (numbers).
    [Theory]
    [InlineData("[ip, user", 0, "never closed")]
    [InlineData("[ip user]", 4, "expected ','")]
    [InlineData("[ip, ip]", 5, "used twice")]
    [InlineData("[]", 0, "at least one field")]
    [InlineData("[ip, bytes > big]", 13, "not a number")]
    [InlineData("[ip, status = 4* && bytes > 1000]", 20, "no field is named 'bytes'")]
    [InlineData("[ip, -, bytes]", 5, "field name")]
    [InlineData("[ip, status = ]", 14, "value")]
    [InlineData("[ip, status => 5]", 13, "'>'")]
    [InlineData("[ip] ERROR", 5, "nothing may follow")]
    public void TryParse_DelimitedAwsRefuses_RefusedAtTheFault(string pattern, int offset, string says) => AssertRefused(pattern, offset, says);

    // Every prefix and every one-character cut of well-formed patterns: each is accepted or refused with an offset
    // inside the pattern (or just past its end), never thrown.
    [Theory]
    [InlineData("{ ($.user.id = 1 || $.a[0][1] != \"x*\") && $.b IS NULL && $.c NOT EXISTS && $.d = %a[0-9]+% }")]
    [InlineData("[ip, ..., request = \"GET *\", status_code = 4* && status_code != 403 || status_code >= 500, bytes > -1.5e3,]")]
    [InlineData("?ERROR ?\"timed \\\"out\" -health - \"x\"")]
    [InlineData(@"%^a[b-c]{1,3}\d+$|x%")]
    public void TryParse_EveryPrefixAndCut_RefusesWithinThePatternOrAccepts(string pattern)
    {
        var variants = Enumerable.Range(0, pattern.Length + 1).Select(n => pattern[..n])
            .Concat(Enumerable.Range(0, pattern.Length).Select(n => pattern.Remove(n, 1)));
        foreach (var variant in variants)
        {
            if (LogPattern.TryParse(variant, PatternSyntax.CloudWatch, out _, out var error)) continue;
            Assert.InRange(error.Offset, 0, variant.Length); // the length itself: "the pattern ends here"
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
        Assert.True(LogPattern.TryParse(pattern, PatternSyntax.CloudWatch, out _, out var whole), whole?.ToString());
    }

    private static void AssertRefused(string pattern, int offset, string says)
    {
        Assert.False(LogPattern.TryParse(pattern, PatternSyntax.CloudWatch, out var parsed, out var error), $"accepted: {parsed}");
        Assert.Equal(offset, error.Offset);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }
}
