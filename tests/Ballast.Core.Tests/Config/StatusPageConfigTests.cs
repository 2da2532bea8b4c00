using Ballast.Core.Config;

namespace Ballast.Core.Tests.Config;

public class StatusPageConfigTests
{
    private static ConfigLoadResult Parse(string yaml) => ConfigLoader.Parse(yaml, "ballast.yaml", _ => null);

    private const string Monitors = """
        monitors:
          - { name: api-ready, type: http, url: "https://api.internal.example/health/ready" }
          - { name: www, type: tcp, target: "192.0.2.5:443" }
        maintenance:
          - { name: db-upgrade, monitors: [api-*], start: "2026-12-10T02:00:00Z", duration: 1h }

        """;

    [Fact]
    public void Parse_StatusPage_BindsGroupsAndPublicNames()
    {
        var config = Parse(Monitors + """
            status_pages:
              - slug: acme
                title: Acme status
                description: Live status of Acme.
                groups:
                  - name: API
                    components:
                      - { monitor: api-ready, name: Public API }
                  - name: Website
                    components:
                      - { monitor: www, name: Website }
                      - { monitor: api-ready, name: Sign-in }
            """).Require();

        var page = Assert.Single(config.StatusPages);
        Assert.Equal(("acme", "Acme status", "Live status of Acme."), (page.Slug, page.Title, page.Description));
        Assert.Equal(["API", "Website"], page.Groups.Select(g => g.Name));
        Assert.Equal(["Public API"], page.Groups[0].Components.Select(c => c.Name));
        Assert.Equal(["www", "api-ready"], page.Groups[1].Components.Select(c => c.Monitor));
        Assert.Equal(["api-ready", "www"], page.MonitorNames());
    }

    [Fact]
    public void Parse_UnknownMonitor_IsAnErrorNamingPageAndComponentAtTheKey()
    {
        var result = Parse(Monitors + """
            status_pages:
              - slug: acme
                title: Acme status
                groups:
                  - name: API
                    components:
                      - { monitor: api-redy, name: Public API }
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("status_pages[0].groups[0].components[0].monitor", error.Path);
        Assert.Equal(12, error.Line);
        Assert.Contains("status page \"acme\", component \"Public API\": no monitor named \"api-redy\"", error.Message);
        Assert.Contains("did you mean \"api-ready\"", error.Message);
    }

    [Fact]
    public void Parse_MissingPublicName_IsAnError()
    {
        var result = Parse(Monitors + """
            status_pages:
              - slug: acme
                title: Acme status
                groups:
                  - name: API
                    components:
                      - { monitor: api-ready }
            """);

        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Path == "status_pages[0].groups[0].components[0]" && e.Message == "missing required key \"name\"" && e.Line == 12);
    }

    [Theory]
    [InlineData("Acme", "is not a valid slug")]
    [InlineData("acme/status", "is not a valid slug")]
    [InlineData("-acme", "is not a valid slug")]
    public void Parse_BadSlug_IsAnErrorAtTheSlug(string slug, string message)
    {
        var result = Parse(Monitors + $$"""
            status_pages:
              - { slug: "{{slug}}", title: T, groups: [ { name: G, components: [ { monitor: www, name: Website } ] } ] }
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("status_pages[0].slug", error.Path);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Parse_DuplicateSlugAndEmptyGroups_AreErrors()
    {
        var result = Parse(Monitors + """
            status_pages:
              - { slug: acme, title: A, groups: [ { name: G, components: [ { monitor: www, name: Website } ] } ] }
              - { slug: acme, title: B, groups: [] }
            """);

        Assert.Equal(["status_pages[1].groups", "status_pages[1].slug"], result.Errors.Select(e => e.Path).Order());
        Assert.Contains(result.Errors, e => e.Message.Contains("two status pages use the slug \"acme\"", StringComparison.Ordinal));
    }

    [Fact]
    public void CurrentOrNext_OneOffAndRecurring_GiveTheOpenOrNextWindow()
    {
        var window = Parse(Monitors).Require().Maintenance[0];
        var start = DateTimeOffset.Parse("2026-12-10T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var nightly = window with { Start = null, Schedule = "0 3 * * *" };

        Assert.Equal((start, start.AddHours(1)), window.CurrentOrNext(start.AddDays(-2)));
        Assert.Equal((start, start.AddHours(1)), window.CurrentOrNext(start.AddMinutes(30)));
        Assert.Null(window.CurrentOrNext(start.AddHours(1)));
        Assert.Equal((start.AddHours(1), start.AddHours(2)), nightly.CurrentOrNext(start));
        Assert.Equal((start.AddHours(1), start.AddHours(2)), nightly.CurrentOrNext(start.AddMinutes(90)));
        Assert.Equal((start.AddHours(25), start.AddHours(26)), nightly.CurrentOrNext(start.AddHours(2)));
    }
}
