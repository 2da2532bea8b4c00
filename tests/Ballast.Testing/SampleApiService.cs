using System.Text.Json;

namespace Ballast.Testing;

/// <summary>
/// SampleApi as the process service <c>api</c> of ballast.yaml: two replicas behind Ballast's proxy on
/// <paramref name="ServicePort"/>, with a database of its own, the shared Redis and the CORS origin verification checks.
/// Test projects that use it reference SampleApi.csproj (see <see cref="SampleApiProcess.Assembly"/>).
/// </summary>
/// <param name="Database">The replicas' DATABASE_URL.</param>
/// <param name="ServicePort">Where the proxy listens.</param>
public sealed record SampleApiService(Uri Database, int ServicePort)
{
    /// <summary>The origin the replicas allow and verification checks.</summary>
    public const string Origin = "https://app.example.com";

    /// <summary>Variables added to the environment (the AI budgets release 165 needs, a secret).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>The path the proxy's readiness gate asks; /health/live lets a release that never gets ready take traffic.</summary>
    public string HealthPath { get; init; } = "/health/ready";

    /// <summary>How long verification may take to pass.</summary>
    public string VerifyTimeout { get; init; } = "60s";

    /// <summary>The proxy's address.</summary>
    public Uri Url => new($"http://127.0.0.1:{ServicePort}");

    /// <summary>The <c>services:</c> section.</summary>
    public string Yaml() => $$"""
        services:
          api:
            provider: process
            process:
              command: dotnet
              args: [SampleApi.dll]
              artifact: '{{Path.GetDirectoryName(SampleApiProcess.Assembly)}}'
              listen: '{{Url}}'
              health_path: {{HealthPath}}
              startup_timeout: 90s
            scale: 2
            env:
              DATABASE_URL: '{{Database}}'
              REDIS_URL: 'redis://{{TestRedisServer.Shared()}}'
              CORS_ORIGINS: {{Origin}}
        {{string.Concat(Env.Select(e => $"      {e.Key}: '{e.Value}'\n"))}}
            verify:
              timeout: {{VerifyTimeout}}
              interval: 250ms
              cors_origins: [{{Origin}}]
            checklist: { post_log: Application successfully started, post_log_timeout: 60s }
        """;

    /// <summary>The release the proxy's replicas report on /version.</summary>
    public async Task<string?> LiveReleaseAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(Url, "/version"))).RootElement.GetProperty("release").GetString();
}
