using Ballast.Core.Deploy;
using Ballast.Testing;

namespace Ballast.Core.Tests.Deploy;

public class ServiceContractTests
{
    private static ServiceContract SampleApi() =>
        ServiceContract.Parse(File.ReadAllText(Repository.Path("samples", "SampleApi", "ballast.contract.json")), "ballast.contract.json");

    [Fact]
    public void Parse_TheContractSampleApiPrints_ReadsVariablesEndpointsAndPhases()
    {
        var contract = SampleApi();

        Assert.Equal("sample-api", contract.Service);
        Assert.Equal(["DATABASE_URL", "REDIS_URL", "AI_MAX_TOKENS_CHAT", "AI_MAX_TOKENS_SUMMARY", "CORS_ORIGINS", "SENTRY_DSN"], contract.Env.Select(v => v.Name));
        Assert.Equal(("/health/ready", "/version"), (contract.ReadyPath, contract.VersionPath));
        Assert.Equal("AI token budgets loaded", contract.Phases[^1]);
        Assert.Equal(TimeSpan.FromSeconds(60), contract.StartupTimeout);
    }

    [Fact]
    public void Problems_TheStorysOldEnvironment_NamesTheMissingBudgets_NeverValues()
    {
        var old = new Dictionary<string, string> { ["DATABASE_URL"] = "postgres://u:secret@db/api", ["REDIS_URL"] = "redis://cache:6379" };

        Assert.Equal(["AI_MAX_TOKENS_CHAT is missing", "AI_MAX_TOKENS_SUMMARY is missing"], SampleApi().Problems(old));
    }

    [Fact]
    public void Problems_MalformedValues_SayWhatIsWrong()
    {
        var env = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "db:5432", ["REDIS_URL"] = "redis://cache", ["AI_MAX_TOKENS_CHAT"] = "lots", ["AI_MAX_TOKENS_SUMMARY"] = "0", ["SENTRY_DSN"] = "nope",
        };

        Assert.Equal(
        [
            "DATABASE_URL is not an absolute URL", "AI_MAX_TOKENS_CHAT is not a whole number", "AI_MAX_TOKENS_SUMMARY is 0, below the minimum 1",
            "SENTRY_DSN is not an absolute URL",
        ], SampleApi().Problems(env));
    }

    [Fact]
    public void Fingerprint_CountsOnlyTheContractsVariables_ThatAreSet()
    {
        var contract = SampleApi();

        Assert.Equal(contract.Fingerprint(["REDIS_URL", "DATABASE_URL"]), contract.Fingerprint(["DATABASE_URL", "REDIS_URL", "HOME", "PATH"]));
        Assert.NotEqual(contract.Fingerprint(["DATABASE_URL", "REDIS_URL"]), contract.Fingerprint(["DATABASE_URL", "REDIS_URL", "AI_MAX_TOKENS_CHAT"]));
        Assert.Equal(["A", "C"], ServiceContract.SetNames(new Dictionary<string, string> { ["C"] = "1", ["B"] = "", ["A"] = "x" }));
    }

    [Theory]
    [InlineData("not json", "x.json: not JSON")]
    [InlineData("[1]", "x.json: a contract is a JSON object")]
    [InlineData("""{ "env": { "A": { "kind": "float" } } }""", "x.json: env.A.kind \"float\" is not one of string, int, url, bool, enum")]
    [InlineData("""{ "env": { "A": "int" } }""", "x.json: env.A must be an object ({} for a required string)")]
    [InlineData("""{ "env": { "A": { "kind": 3 } } }""", "x.json: env.A.kind is not what a contract has there")]
    [InlineData("""{ "startup": { "phases": "Listening on port" } }""", "x.json: startup.phases is not what a contract has there")]
    public void Parse_BadContract_SaysWhatAndWhere(string json, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => ServiceContract.Parse(json, "x.json"));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
