using System.CommandLine;
using System.Text.Json;
using Ballast.Core.Conditions;
using Ballast.Core.Config;
using Ballast.Core.Monitoring;
using Ballast.Core.Monitoring.Probes;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast probe URL -c CONDITION...</c>: one HTTP check now, with what failed and where the time went.</summary>
internal static class ProbeCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var url = new Argument<string>("url") { Description = "http:// or https:// URL to request" };
        var conditions = new Option<string[]>("--condition", "-c") { Description = "Condition to check, e.g. \"[STATUS] == 200\" (repeatable; default: a 2xx status)" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Request header \"Name: value\" (repeatable)" };
        var method = new Option<string>("--method", "-X") { Description = "HTTP method", DefaultValueFactory = _ => "GET" };
        var timeout = new Option<string>("--timeout") { Description = "Give up after this long", DefaultValueFactory = _ => "10s" };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Do not verify the TLS certificate" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout" };
        var command = new Command("probe", "Check one URL now; exit 0 when every condition passes, 1 when one fails")
        {
            url, conditions, headers, method, timeout, insecure, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var problems = new List<string>();
            var target = parse.GetValue(url)!;
            if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                problems.Add($"\"{target}\" is not an http:// or https:// URL");
            if (!Duration.TryParse(parse.GetValue(timeout), out var limit)) problems.Add($"--timeout \"{parse.GetValue(timeout)}\": {Duration.Hint}");
            var parsed = new List<Condition>();
            foreach (var text in parse.GetValue(conditions) ?? [])
                if (Condition.TryParse(text, out var c, out var error, out var at)) parsed.Add(c);
                else problems.Add($"-c \"{text}\": {error} (at character {at + 1})");
            var headerMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in parse.GetValue(headers) ?? [])
            {
                var colon = h.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0) problems.Add($"-H \"{h}\": write headers as \"Name: value\"");
                else headerMap[h[..colon].Trim()] = h[(colon + 1)..].Trim();
            }
            if (problems.Count > 0)
            {
                foreach (var p in problems) Console.Error.WriteLine($"ballast probe: {p}");
                return ExitCodes.ConfigInvalid;
            }

            var monitor = new HttpMonitorConfig
            {
                Name = "probe",
                Url = uri!,
                Method = parse.GetValue(method)!.ToUpperInvariant(),
                Headers = headerMap,
                Conditions = parsed,
                Timeout = limit,
                TlsVerify = !parse.GetValue(insecure),
                FreshConnection = true,
            };
            // Compiled before the clock starts, so the timings are the target's and not this process's start-up.
            await HttpWarmUp.RunAsync(ct);
            using var probe = new HttpProbe(TimeProvider.System);
            await HttpWarmUp.OverLoopbackAsync((local, token) => probe.ProbeAsync(monitor with { Url = local, Method = "GET", Body = null, Conditions = [] }, token), ct);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(limit);
            var observation = await probe.ProbeAsync(monitor, cts.Token);
            var outcomes = monitor.EffectiveConditions.Select(c => (Condition: c, Outcome: c.Evaluate(observation))).ToArray();
            var (passed, cause) = observation.Judge(monitor);

            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    url = uri!.ToString(),
                    passed,
                    cause,
                    status = observation.Status,
                    error = observation.TransportError,
                    timings = new
                    {
                        dnsMs = Ms(observation.Timings.Dns),
                        connectMs = Ms(observation.Timings.Connect),
                        tlsMs = Ms(observation.Timings.Tls),
                        firstByteMs = Ms(observation.Timings.FirstByte),
                        totalMs = Ms(observation.Timings.Total),
                    },
                    conditions = outcomes.Select(o => new { condition = o.Condition.Text, passed = o.Outcome.Passed, failure = o.Outcome.Failure }),
                }, Json));
            }
            else
            {
                var t = observation.Timings;
                Console.WriteLine($"{monitor.Method} {uri} → {(observation.Status is { } s ? s.ToString() : observation.TransportError)}");
                Console.WriteLine($"  dns {Show(t.Dns)} · connect {Show(t.Connect)} · tls {Show(t.Tls)} · first byte {Show(t.FirstByte)} · total {Show(t.Total)}");
                foreach (var (condition, outcome) in outcomes)
                    Console.WriteLine(outcome.Passed ? $"  ✓ {condition.Text}" : $"  ✗ {outcome.Failure}");
                Console.WriteLine(passed ? "PASS" : $"FAIL: {cause}");
            }
            return passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static double? Ms(TimeSpan? t) => t is { } v ? Math.Round(v.TotalMilliseconds, 3) : null;

    private static string Show(TimeSpan? t) => t is { } v ? $"{v.TotalMilliseconds:0.0}ms" : "—";
}
