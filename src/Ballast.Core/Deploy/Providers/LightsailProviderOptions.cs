namespace Ballast.Core.Deploy.Providers;

/// <summary>Settings of the host that runs the lightsail provider (not of a service: those are in ballast.yaml).</summary>
public sealed class LightsailProviderOptions
{
    /// <summary>
    /// Variables for the aws process and for finding its tools on PATH; null uses this process's environment. A host
    /// that must not hand its own environment to the AWS CLI sets exactly what it gets.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
}
