using Ballast.Core.Config;

namespace Ballast.Core.Tests.Config;

public class LogStreamConfigTests
{
    private static ConfigLoadResult Parse(string yaml) => ConfigLoader.Parse(yaml, "ballast.yaml", _ => null);

    private const string Monitors = """
        monitors:
          - { name: api-ready, type: http, url: "https://api.internal.example/health/ready" }

        """;

    [Fact]
    public void Parse_LokiAndJournald_BindWithDefaults()
    {
        var config = Parse(Monitors + """
            logs:
              loki:
                sources: { api-prod: api }
              streams:
                - name: api
                  journald: { unit: api.service }
            """).Require();

        var loki = config.Logs.Loki;
        Assert.Equal("job", loki.SourceLabel);
        Assert.Equal("api", loki.SourceOf("api-prod"));
        Assert.Equal("worker", loki.SourceOf("worker"));
        Assert.Null(loki.SourceOf(null));
        var stream = Assert.Single(config.Logs.Streams);
        Assert.Equal(("api", "api.service", "journalctl"), (stream.Name, stream.Journald!.Unit, stream.Journald.Command));
    }

    [Fact]
    public void Parse_StreamWithoutKind_IsAnErrorAtTheStream()
    {
        var result = Parse(Monitors + """
            logs:
              streams:
                - name: api
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("logs.streams[0].journald", error.Path);
        Assert.Contains("journald: { unit: api.service }", error.Message);
    }

    [Fact]
    public void Parse_EmptySourceLabel_IsAnError()
    {
        var result = Parse(Monitors + """
            logs:
              loki: { source_label: "" }
            """);

        Assert.Contains(result.Errors, e => e.Path == "logs.loki.source_label" && e.Message.Contains("must not be empty"));
    }
}
