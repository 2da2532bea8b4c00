using Ballast.Server.Dashboard;

namespace Ballast.Server.Tests;

public sealed class LoginFormTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/monitors/api?range=7d", "/monitors/api?range=7d")]
    [InlineData("//evil.example", null)]
    [InlineData("/\\evil.example", null)]
    [InlineData("/\t/evil.example", null)]
    [InlineData("/\n/evil.example", null)]
    [InlineData("/ /evil.example", null)]
    [InlineData("https://evil.example/", null)]
    [InlineData("/redirect?to=https://evil.example", null)]
    [InlineData("/caf\u00e9", null)]
    [InlineData("evil.example", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void LocalPath_OnlyAPathOnThisServer_NothingABrowserCouldReadAsAnotherHost(string? path, string? expected) =>
        Assert.Equal(expected, LoginForm.LocalPath(path));
}
