namespace Ballast.Core.Tests;

public sealed class ShortTextTests
{
    [Fact]
    public void Truncate_FitsAlready_SameText()
    {
        var text = new string('a', 130);
        Assert.Same(text, ShortText.Truncate(text, 130));
    }

    [Fact]
    public void Truncate_Longer_CutToTheLimitWithAnEllipsis()
    {
        var cut = ShortText.Truncate(new string('a', 131), 130);
        Assert.Equal(130, cut.Length);
        Assert.Equal(new string('a', 129) + "…", cut);
    }
}
