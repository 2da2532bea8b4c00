using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Testing;

namespace Ballast.Core.Tests.Deploy;

public sealed class ServiceSecretsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private (BallastConfig Config, ServiceSecrets Secrets) Load()
    {
        File.WriteAllText(_dir.File("api.env"), "SENTRY_DSN=https://dsn-secret@sentry.example.com/1\nSHORT=abc\n");
        File.WriteAllText(_dir.File("ballast.yaml"), """
            server: { listen: 'http://127.0.0.1:7700', storage: 'sqlite:ballast.db' }
            services:
              api:
                provider: process
                process: { command: dotnet, args: [api.dll], artifact: out, listen: 'http://127.0.0.1:7701' }
                env_file: api.env
                env: { DATABASE_URL: 'postgres://api:${PW}@db/api', LIMIT: '${LIMIT:-4096}', PLAIN: hello }
                checklist: { pre: ['echo ${TOKEN}'] }
              other:
                provider: process
                process: { command: dotnet, args: [other.dll], artifact: out, listen: 'http://127.0.0.1:7702' }
                env: { OTHER: '${OTHER_SECRET}' }
            """);
        var variables = new Dictionary<string, string> { ["PW"] = "hunter2-pw", ["TOKEN"] = "tok-12345", ["OTHER_SECRET"] = "other-secret" };
        var config = ConfigLoader.Load(_dir.File("ballast.yaml"), name => variables.GetValueOrDefault(name)).Require();
        var env = ReleaseEnvironment.Resolve(config.Services["api"], _dir.Path);
        return (config, ServiceSecrets.Of(config, "api", env));
    }

    [Fact]
    public void Of_ReferencesAsWritten_EnvFileValuesByName_PlainValuesAsThemselves()
    {
        var (_, secrets) = Load();

        Assert.Equal("postgres://api:${PW}@db/api", secrets.Reference("DATABASE_URL", "postgres://api:hunter2-pw@db/api"));
        Assert.Equal("${SENTRY_DSN}", secrets.Reference("SENTRY_DSN", "https://dsn-secret@sentry.example.com/1"));
        Assert.Equal("${LIMIT:-4096}", secrets.Reference("LIMIT", "4096"));
        Assert.Equal("hello", secrets.Reference("PLAIN", "hello"));
        Assert.Equal("r1", secrets.Reference("BALLAST_RELEASE", "r1"));
    }

    [Fact]
    public void Apply_MasksTheServicesValuesFromVariablesAndEnvFile_NotDefaultsShortValuesOrOtherServices()
    {
        var (_, secrets) = Load();

        var masked = secrets.Apply("pw hunter2-pw, token tok-12345, dsn https://dsn-secret@sentry.example.com/1, limit 4096, abc, other-secret");

        Assert.Equal("pw ***, token ***, dsn ***, limit 4096, abc, other-secret", masked);
    }

    public void Dispose() => _dir.Dispose();
}
