using Ballast.Core.Conditions;
using Ballast.Core.Config;

namespace Ballast.Core.Monitoring;

/// <summary>How long each phase of a request took; null for phases that did not happen (a reused connection has no connect).</summary>
public sealed record ProbeTimings
{
    public TimeSpan? Dns { get; set; }
    public TimeSpan? Connect { get; set; }
    public TimeSpan? Tls { get; set; }
    public TimeSpan? FirstByte { get; set; }
    public TimeSpan? Total { get; set; }
}

/// <summary>What one probe saw. Conditions are evaluated against it.</summary>
public sealed class Observation : IConditionSubject
{
    public int? Status { get; init; }
    public string? Body { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public TimeSpan? ResponseTime { get; init; }
    public TimeSpan? CertExpiry { get; init; }
    public bool Connected { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Dns { get; init; }
    public TimeSpan? RunDuration { get; init; }
    public ProbeTimings Timings { get; init; } = new();

    /// <summary>Set when nothing answered (refused, timed out, no such host); every condition fails with it.</summary>
    public string? TransportError { get; init; }

    /// <summary>A failure the probe itself found before conditions apply (an untrusted certificate, a job that reported failure).</summary>
    public string? Failure { get; init; }

    public static Observation NoAnswer(string error, ProbeTimings? timings = null, TimeSpan? elapsed = null, bool connected = false) =>
        new() { TransportError = error, Timings = timings ?? new(), ResponseTime = elapsed, Connected = connected };

    public ConditionValue Resolve(Placeholder placeholder, string? header = null) => placeholder switch
    {
        Placeholder.Status => Status is { } s ? ConditionValue.Of(s) : ConditionValue.Missing("no HTTP status"),
        Placeholder.Body => Body is { } b ? ConditionValue.Of(b) : ConditionValue.Missing("no body"),
        Placeholder.Header => Headers is not null && header is not null && Headers.TryGetValue(header, out var h)
            ? ConditionValue.Of(h)
            : ConditionValue.Missing($"header {header} is missing"),
        Placeholder.ResponseTime => ResponseTime is { } rt ? ConditionValue.Of(Math.Round(rt.TotalMilliseconds, 3)) : ConditionValue.Missing("no response time"),
        Placeholder.CertExpiry => CertExpiry is { } ce ? ConditionValue.Of(ce.TotalMilliseconds) : ConditionValue.Missing("no certificate (not a TLS connection)"),
        Placeholder.Connected => ConditionValue.Of(Connected),
        Placeholder.Dns => Dns is null
            ? ConditionValue.Missing("no DNS answer")
            : ConditionValue.Of(System.Text.Json.JsonSerializer.SerializeToElement(Dns)),
        Placeholder.Duration => RunDuration is { } d ? ConditionValue.Of(d.TotalMilliseconds) : ConditionValue.Missing("the run's start was not reported (/start)"),
        _ => ConditionValue.Missing("unknown placeholder"),
    };

    /// <summary>Judges this observation against a monitor's conditions: passed, or the first failure as a sentence.</summary>
    public (bool Passed, string? Cause) Judge(MonitorConfig monitor)
    {
        if (Failure is not null) return (false, Failure);
        foreach (var condition in monitor.EffectiveConditions)
        {
            var outcome = condition.Evaluate(this);
            if (!outcome.Passed) return (false, outcome.Failure);
        }
        return TransportError is null ? (true, null) : (false, TransportError);
    }
}
