using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Storage;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Core.Tests.Deploy;

/// <summary>The deploy part of the composition root, which <c>ballast serve</c> and the deploy verbs both build from.</summary>
public sealed class DeployCompositionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task AddBallastDeploy_EveryProviderSectionType_HasExactlyOneProvider_AndThePipelineResolves()
    {
        var config = ConfigLoader.Parse("server: { storage: 'sqlite:ballast.db' }", _dir.File("ballast.yaml"), _ => null).Require();
        // Twice, as a host that composes several parts may: each provider is still registered once.
        await using var services = new ServiceCollection().AddBallastStorage(config).AddBallastDeploy().AddBallastDeploy().BuildServiceProvider();

        var sections = typeof(ServiceProviderConfig).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ServiceProviderConfig)) && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal);
        var keys = services.GetServices<IDeployProvider>().Select(p => p.ConfigType).OrderBy(t => t.FullName, StringComparer.Ordinal);

        Assert.Equal(sections, keys);
        Assert.Same(services.GetRequiredService<DeployPipeline>(), services.GetRequiredService<DeployPipeline>());
    }

    public void Dispose() => _dir.Dispose();
}
