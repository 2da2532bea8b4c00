using System.Text.RegularExpressions;
using Ballast.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ballast.AspNetCore;

/// <summary>
/// The truth behind /health/ready: startup complete, every contract variable present and well-formed, every
/// health check tagged "ready" passing. Dependency checks run at most once per <c>CacheFor</c>, however many probes ask,
/// and a probe never waits longer than one <c>CheckTimeout</c> for them (a check past it fails, named with the timeout).
/// </summary>
public sealed partial class Readiness(BallastHealthOptions options, StartupPhases startup, HealthCheckService checks,
    IOptions<HealthCheckServiceOptions> registrations, TimeProvider time)
{
    private static readonly string[] ClauseBreaks = [" - ", ", ", "; "];
    private readonly ReadyChecks _checks = new(options, checks, registrations, time);

    /// <summary>Runs of the dependency checks so far (what the cache saves).</summary>
    public long CheckRuns => _checks.Runs;

    internal async Task<(bool Ready, Dictionary<string, IReadOnlyList<HealthCheckEntry>> Checks)> EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = new Dictionary<string, IReadOnlyList<HealthCheckEntry>>(StringComparer.Ordinal);
        var ready = true;

        var stuck = startup.Completed ? null : $"stuck after \"{startup.LastPhase}\" for {Math.Round(startup.Elapsed.TotalSeconds)}s";
        result["startup:completed"] = [new(stuck is null ? "pass" : "fail", startup.Completed, stuck, now)];
        ready &= stuck is null;

        var problems = options.EnvironmentProblems();
        result["environment:contract"] = [new(problems.Length == 0 ? "pass" : "fail", options.Environment.Count - problems.Length,
            problems.Length == 0 ? null : string.Join("; ", problems), now)];
        ready &= problems.Length == 0;

        var report = await _checks.ReportAsync(cancellationToken);
        foreach (var (name, entry) in report.Entries)
        {
            var status = entry.Status switch { HealthStatus.Healthy => "pass", HealthStatus.Degraded => "warn", _ => "fail" };
            result[$"{name}:responding"] = [new(status, entry.Duration.TotalMilliseconds, Output(entry), now)];
            ready &= entry.Status != HealthStatus.Unhealthy;
        }
        return (ready, result);
    }

    /// <summary>What failed, one clause per failed check ("redis: no answer within 1s"), for the body's <c>output</c>; null when all pass.</summary>
    internal static string? Summary(IReadOnlyDictionary<string, IReadOnlyList<HealthCheckEntry>> checks)
    {
        var failed = checks.Where(c => c.Value.Any(v => v.Status == "fail"))
            .Select(c => $"{c.Key.Split(':', 2)[0]}: {c.Value.First(v => v.Status == "fail").Output ?? "failed"}").ToArray();
        return failed.Length == 0 ? null : string.Join("; ", failed);
    }

    /// <summary>The check's own description and its exception explained, without saying the same thing twice.</summary>
    private static string? Output(HealthReportEntry entry) => (entry.Description, Explain(entry.Exception)) switch
    {
        (null, var explained) => explained,
        (var description, null) => description,
        var (description, explained) => description == entry.Exception!.Message || explained.StartsWith(description, StringComparison.Ordinal)
            ? explained
            : $"{description}: {explained}",
    };

    /// <summary>
    /// A failed check's exception in one short line: the outer message and, when different, the innermost cause
    /// ("Failed to connect to 127.0.0.1:5432: Connection refused"), each cut to its first clause when long.
    /// </summary>
    /// <summary>host:port or [v6]:port, as client libraries write the address they failed to reach.</summary>
    [GeneratedRegex(@"(?<![\w.:/-])(?:\[[0-9A-Fa-f:]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):\d{2,5}(?![\d.])")]
    private static partial Regex Endpoint();

    internal static string? Explain(Exception? exception)
    {
        if (exception is null) return null;
        var inner = exception;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var (outer, cause) = (Brief(exception.Message), Brief(inner.Message));
        var said = ReferenceEquals(inner, exception) || outer.Contains(cause, StringComparison.Ordinal) ? outer : $"{outer}: {cause}";
        // Where it failed matters most; when the cut left out the address the messages name, it is added back.
        return Endpoint().Match(exception.Message + " " + inner.Message) is { Success: true } endpoint && !said.Contains(endpoint.Value, StringComparison.Ordinal)
            ? $"{said} ({endpoint.Value})"
            : said;

        static string Brief(string message)
        {
            var line = message.Split('\n', 2)[0].Trim();
            if (line.Length <= 120) return line;
            var cut = ClauseBreaks.Select(s => line.IndexOf(s, 20, StringComparison.Ordinal)).Where(i => i > 0).DefaultIfEmpty(-1).Min();
            line = cut > 0 ? line[..cut] : line;
            return line.Length <= 200 ? line : line[..199] + "…";
        }
    }

    /// <summary>SHA-256 of the sorted names of the contract's variables that are set: names only, never values.</summary>
    public string EnvFingerprint() =>
        EnvContractRules.Fingerprint(options.Environment.Select(r => r.Name), n => !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(n)));
}
