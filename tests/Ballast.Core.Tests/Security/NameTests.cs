using Ballast.Core.Deploy;
using Ballast.Core.Security;

namespace Ballast.Core.Tests.Security;

/// <summary>User, token and release names: what is shown in lists, logs and the audit trail, and what names a folder.</summary>
public sealed class NameTests
{
    [Theory]
    [InlineData("alice")]
    [InlineData("ci-deploy_2.bot@example.org")]
    [InlineData("localhost")]
    public void IdentityName_Ordinary_Valid(string name)
    {
        Assert.True(IdentityNames.IsValid(name));
        Assert.Null(IdentityNames.Problem(name));
    }

    [Theory]
    [InlineData("alice\n")] // $ in the pattern would let this through
    [InlineData("alice\r\n")]
    [InlineData(" alice")]
    [InlineData("alice\t")]
    [InlineData("al ice")]
    [InlineData("-alice")]
    [InlineData("")]
    [InlineData(null)]
    public void IdentityName_TrailingNewlineOrSpaceOrBadStart_Invalid(string? name)
    {
        Assert.False(IdentityNames.IsValid(name));
        Assert.Contains("is not a valid name", IdentityNames.Problem(name), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anonymous")]
    [InlineData("local")]
    [InlineData("cli")]
    [InlineData("Anonymous")]
    [InlineData("CLI")]
    public void IdentityName_TheAuditTrailsOwnNames_Reserved(string name)
    {
        var problem = IdentityNames.Problem(name);
        Assert.NotNull(problem);
        Assert.Contains("\"anonymous\", \"local\", \"cli\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityName_LongestAllowed_Valid_OneMore_Invalid_AndAHugeOneIsNotRepeatedBack()
    {
        Assert.True(IdentityNames.IsValid(new string('a', IdentityNames.MaxLength)));
        Assert.False(IdentityNames.IsValid(new string('a', IdentityNames.MaxLength + 1)));

        var problem = IdentityNames.Problem(new string('a', 1_000_000) + "\n");
        Assert.NotNull(problem);
        Assert.True(problem.Length < 300, $"the problem repeats the name back: {problem.Length} characters");
        Assert.DoesNotContain('\n', problem);
    }

    [Theory]
    [InlineData("v1.2.3", true)]
    [InlineData("2026-12-07_build-17", true)]
    [InlineData("v1\n", false)] // $ in the pattern would let this through
    [InlineData("v1\r\n", false)]
    [InlineData("v1 ", false)]
    [InlineData("../v1", false)]
    [InlineData("v1.partial", false)]
    public void ReleaseName_TrailingNewline_NotAName(string name, bool valid) =>
        Assert.Equal(valid, ReleaseFiles.IsName(name));
}
