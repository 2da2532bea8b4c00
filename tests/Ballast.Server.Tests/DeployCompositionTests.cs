using Ballast.Core;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Server.Hosting;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary><c>ballast serve</c> registers the deploy pipeline and its providers as the deploy verbs do.</summary>
public sealed class DeployCompositionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Build_DeployPipelineAndProviders_AreTheDeployVerbsRegistration()
    {
        var config = ConfigLoader.Parse("server: { listen: 'http://127.0.0.1:0', storage: 'sqlite:ballast.db' }", _dir.File("ballast.yaml"), _ => null).Require();
        await using var verbs = new ServiceCollection().AddBallastDeploy().BuildServiceProvider();

        await using var app = BallastServer.Build(config, configureLogging: _ => { });

        Assert.Equal(Keys(verbs), Keys(app.Services));
        Assert.Contains(typeof(ProcessServiceConfig), Keys(app.Services));
        Assert.Contains(typeof(LightsailServiceConfig), Keys(app.Services));
        Assert.NotNull(app.Services.GetRequiredService<DeployPipeline>());
    }

    private static Type[] Keys(IServiceProvider services) =>
        services.GetServices<IDeployProvider>().Select(p => p.ConfigType).OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();

    public void Dispose() => _dir.Dispose();
}
