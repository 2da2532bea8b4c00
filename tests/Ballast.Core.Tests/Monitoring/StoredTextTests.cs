using Ballast.Core.Monitoring;

namespace Ballast.Core.Tests.Monitoring;

public sealed class StoredTextTests
{
    [Theory]
    [InlineData("fine text\twith a tab\r\n", "fine text\twith a tab\r\n")]
    [InlineData("nul\0here", "nul\uFFFDhere")]
    [InlineData("bell\a", "bell\uFFFD")]
    [InlineData("emoji \uD83D\uDE00 kept", "emoji \uD83D\uDE00 kept")]
    [InlineData("not characters \uFFFE\uFFFF", "not characters \uFFFD\uFFFD")]
    public void Clean_ReplacesWhatADatabaseOrAnXmlWriterRefuses(string text, string expected) =>
        Assert.Equal(expected, StoredText.Clean(text));

    [Fact]
    public void Clean_LoneSurrogate_Replaced()
    {
        // Not theory data: a lone surrogate does not survive being passed to a test case as data.
        var text = "lone " + '\uD800' + " surrogate";
        Assert.Equal("lone \uFFFD surrogate", StoredText.Clean(text));
    }

    [Fact]
    public void Clean_CleanedText_WritesAsXml()
    {
        var cleaned = StoredText.Clean("title \uFFFF\0 with everything \uD800 wrong");
        using var writer = System.Xml.XmlWriter.Create(new System.IO.StringWriter());
        writer.WriteElementString("title", cleaned);
    }
}
