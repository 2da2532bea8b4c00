using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Monitoring.Probes;

namespace Ballast.Core.Deploy;

/// <summary>One verification check and how it last went.</summary>
public sealed record VerifyResult(string Name, bool Passed, string? Cause);

/// <summary>
/// Checks a live release until every check passes or <c>verify.timeout</c> runs out: the ready endpoint, /version
/// reporting exactly the release deployed and the deployed env's fingerprint, CORS for each front-end origin, and the
/// service's own checks. Requests are made by the HTTP monitor's probe and judged in the condition language.
/// </summary>
public sealed class Verifier(HttpProbe probe, TimeProvider time)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The checks for <paramref name="release"/>, as named monitors.</summary>
    /// <param name="envNames">The names of the variables the release runs with (for the fingerprint /version must report).</param>
    public static IReadOnlyList<HttpMonitorConfig> Checks(ServiceConfig service, Uri baseUrl, string release, ServiceContract? contract,
        IReadOnlyCollection<string> envNames)
    {
        var checks = new List<HttpMonitorConfig>();
        HttpMonitorConfig Check(string name, string path, IReadOnlyDictionary<string, string>? headers, params string[] conditions) => new()
        {
            Name = name,
            Url = new Uri(baseUrl, path),
            Headers = headers ?? new Dictionary<string, string>(),
            Timeout = RequestTimeout,
            Conditions = conditions.Select(Condition.Parse).ToArray(),
        };
        var verify = service.Verify;
        if (verify.Builtin)
        {
            checks.Add(Check("ready", contract?.ReadyPath ?? "/health/ready", null, "[STATUS] == 200"));
            var version = new List<string> { "[STATUS] == 200", $"[BODY].release == {Quote(release)}" };
            if (contract is not null) version.Add($"[BODY].envFingerprint == {Quote(contract.Fingerprint(envNames))}");
            checks.Add(Check("version", contract?.VersionPath ?? "/version", null, [.. version]));
        }
        foreach (var origin in verify.CorsOrigins)
            checks.Add(Check($"cors {origin}", verify.CorsPath, new Dictionary<string, string> { ["Origin"] = origin },
                $"[HEADER].access-control-allow-origin == {Quote(origin)}"));
        foreach (var c in verify.Checks)
        {
            var conditions = c.Conditions.Count == 0 ? ["[STATUS] == 200"]
                : c.Conditions.Select(x => x.Text.Replace($"${{{ServiceConfig.ReleaseVariable}}}", release, StringComparison.Ordinal)).ToArray();
            checks.Add(Check($"{c.Method} {c.Path}", c.Path, c.Headers, conditions) with { Method = c.Method });
        }
        return checks;
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// Runs the checks in rounds every <c>verify.interval</c> until all pass in one round or the timeout passes;
    /// returns the last round's results.
    /// </summary>
    public async Task<IReadOnlyList<VerifyResult>> RunAsync(IReadOnlyList<HttpMonitorConfig> checks, VerifyConfig verify, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var results = await Task.WhenAll(checks.Select(async check =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(check.Timeout);
                var observation = await probe.ProbeAsync(check, timeout.Token);
                var (passed, cause) = observation.Judge(check);
                return new VerifyResult(check.Name, passed, cause);
            }));
            if (results.All(r => r.Passed) || time.GetElapsedTime(started) + verify.Interval > verify.Timeout) return results;
            await Task.Delay(verify.Interval, time, cancellationToken);
        }
    }
}
