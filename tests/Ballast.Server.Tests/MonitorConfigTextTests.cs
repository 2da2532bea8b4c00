using Ballast.Core.Config;
using Ballast.Server.Dashboard;
using Ballast.Testing;

namespace Ballast.Server.Tests;

public sealed class MonitorConfigTextTests
{
    [Theory]
    [InlineData("plain-secret-value")]
    [InlineData("with \"quotes\" inside")]
    [InlineData("per%cent and spaces?&=")]
    public void Render_ValueFromTheEnvironment_MaskedInEveryFormThePrinterWrites(string secret)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ballast.yaml", """
            server: { listen: "http://127.0.0.1:0", storage: "sqlite:ballast.db" }
            monitors:
              - name: api
                type: http
                url: "https://api.example.com/health?key=${API_KEY}"
                method: POST
                body: '{"key":"${API_KEY}"}'
                headers: { Authorization: "Bearer ${API_KEY}" }
            """);
        var config = ConfigLoader.Load(path, name => name == "API_KEY" ? secret : null).Require();

        var text = MonitorConfigText.Render(config.Monitors.Single(), config);

        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Replace("\"", "\\\"", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(secret), text, StringComparison.Ordinal);
        Assert.DoesNotContain(new Uri("https://h/?key=" + secret).Query[5..], text, StringComparison.Ordinal);
        Assert.Contains("***", text, StringComparison.Ordinal);
    }
}
