using Ballast.Core.Config;
using Ballast.Testing;

namespace Ballast.Core.Tests.Config;

public class ConfigDocsTests
{
    [Fact]
    public void Schema_CheckedInFile_MatchesTheConfigTypes()
    {
        var checkedIn = File.ReadAllText(Repository.Path("docs", "ballast.schema.json"));

        Assert.True(checkedIn == ConfigSchema.Generate(),
            "docs/ballast.schema.json is out of date: run ./ballast schema > docs/ballast.schema.json");
    }

    [Fact]
    public void Schema_NamesEveryMonitorKey()
    {
        var schema = ConfigSchema.Generate();

        foreach (var type in ConfigShape.CasesOf(typeof(MonitorConfig)).Select(c => c.Type))
            foreach (var property in ConfigShape.PropertiesOf(type))
                Assert.Contains($"\"{property.Key}\"", schema, StringComparison.Ordinal);
    }

    public static TheoryData<string> SampleConfigs => new(Directory.GetFiles(Repository.Path("samples", "configs"), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(SampleConfigs))]
    public void Sample_Config_IsValid(string file)
    {
        var result = ConfigLoader.Load(Repository.Path("samples", "configs", file), _ => "placeholder");

        Assert.True(result.Ok, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Docs_AlertsReference_MentionsEveryKey()
    {
        var doc = File.ReadAllText(Repository.Path("docs", "alerts.md"));
        var types = new[] { typeof(AlertingConfig), typeof(RouteConfig), typeof(RouteMatchConfig), typeof(SmtpConfig), typeof(MaintenanceWindowConfig), typeof(MessageTemplateConfig) }
            .Concat(ConfigShape.CasesOf(typeof(ChannelConfig)).Select(c => c.Type));

        foreach (var type in types)
            foreach (var property in ConfigShape.PropertiesOf(type))
                Assert.True(doc.Contains($"`{property.Key}`", StringComparison.Ordinal) || doc.Contains($"`smtp.{property.Key}`", StringComparison.Ordinal),
                    $"docs/alerts.md does not describe `{property.Key}` ({type.Name})");
    }

    [Fact]
    public void Docs_ConfigurationReference_MentionsEveryKey()
    {
        var doc = File.ReadAllText(Repository.Path("docs", "configuration.md"));

        foreach (var type in new[] { typeof(ServerConfig), typeof(RetentionConfig), typeof(StatusPageConfig), typeof(StatusGroupConfig), typeof(StatusComponentConfig) }.Concat(ConfigShape.CasesOf(typeof(MonitorConfig)).Select(c => c.Type)))
            foreach (var property in ConfigShape.PropertiesOf(type))
                Assert.True(doc.Contains($"`{property.Key}`", StringComparison.Ordinal), $"docs/configuration.md does not describe `{property.Key}` ({type.Name})");
    }

    [Fact]
    public void Docs_DeployReference_MentionsEveryKey()
    {
        var doc = File.ReadAllText(Repository.Path("docs", "deploy.md"));
        var types = new[]
        {
            typeof(ServiceConfig), typeof(ProcessServiceConfig), typeof(LightsailServiceConfig), typeof(BuildConfig), typeof(VerifyConfig),
            typeof(VerifyCheckConfig), typeof(ChecklistConfig),
        };

        foreach (var type in types)
            foreach (var property in ConfigShape.PropertiesOf(type))
                Assert.True(doc.Contains($"`{property.Key}`", StringComparison.Ordinal), $"docs/deploy.md does not describe `{property.Key}` ({type.Name})");
    }
}
