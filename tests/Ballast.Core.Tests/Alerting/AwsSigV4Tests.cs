using Ballast.Core.Alerting.Channels;

namespace Ballast.Core.Tests.Alerting;

/// <summary>The signer against AWS's published Signature Version 4 test suite vectors.</summary>
public class AwsSigV4Tests
{
    [Theory]
    [InlineData("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void Authorization_VanillaVectors_MatchAws(string method, string signature)
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com", ["X-Amz-Date"] = "20150830T123600Z" };

        var authorization = AwsSigV4.Authorization(method, new Uri("https://example.amazonaws.com/"), headers, [],
            "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service", "20150830T123600Z");

        Assert.Equal($"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}", authorization);
    }

    [Fact]
    public void Authorization_QueryOrder_MatchesAws()
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com", ["X-Amz-Date"] = "20150830T123600Z" };

        var authorization = AwsSigV4.Authorization("GET", new Uri("https://example.amazonaws.com/?Param2=value2&Param1=value1"), headers, [],
            "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service", "20150830T123600Z");

        Assert.EndsWith("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", authorization);
    }
}
