using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Config;
using Ballast.Core.Logs.Packs;
using Ballast.Core.Logs.Rules;
using Spectre.Console;

namespace Ballast.Cli.Commands;

/// <summary>
/// <c>ballast logs scan FILE...</c>: runs log rules offline over files, on the files' own times, to answer "would
/// Ballast have caught it, and when?". Each file is scanned alone, with its own rule state.
/// </summary>
internal static class LogsScanCommand
{
    private const int LineLength = LogRuleCause.LineLength;

    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = "Log files to scan", Arity = ArgumentArity.OneOrMore };
        var config = ConfigOption.Create();
        var rules = new Option<string[]>("--rules") { Description = "A ballast.yaml whose logs.rules to run (repeatable; default: --config's, when no --pack is given)" };
        var packs = new Option<string[]>("--pack") { Description = $"A built-in rule pack to run (repeatable): {string.Join(", ", LogPacks.All.Keys)}" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per firing or resolution" };
        var source = new Option<string?>("--source") { Description = "The source name the files' lines carry: only rules of that source (or of every source) run; default: every rule runs" };
        var until = new Option<string?>("--until")
        {
            Description = "How long the clock runs on after a file's last line (e.g. 10m), so waits that would have run out while the file stayed quiet fire; default 0s",
        };
        var command = new Command("scan", "Run log rules over files offline, on the lines' own times: what would have fired, and when")
        {
            files, config, rules, packs, json, source, until,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse.GetValue(files)!, parse.GetValue(config)!, parse.GetValue(rules) ?? [],
            parse.GetValue(packs) ?? [], parse.GetValue(json), parse.GetValue(source), parse.GetValue(until), ct)));
        return command;
    }

    private static int Run(string[] files, string configPath, string[] ruleFiles, string[] packNames, bool json, string? source, string? until, CancellationToken ct)
    {
        var runOn = TimeSpan.Zero;
        if (until is not null && (!Duration.TryParse(until, out runOn) || runOn < TimeSpan.Zero))
        {
            Console.Error.WriteLine($"--until: \"{until}\" is not a duration ({Duration.Hint})");
            return ExitCodes.ConfigInvalid;
        }
        var selected = new List<LogRuleConfig>();
        var secrets = LogSecrets.None;
        foreach (var name in packNames)
        {
            if (LogPacks.Find(name) is not { } pack)
            {
                var hint = ConfigShape.Suggest(name, LogPacks.All.Keys) is { } s ? $"; did you mean \"{s}\"?" : "";
                Console.Error.WriteLine($"--pack: no pack named \"{name}\"{hint} (packs: {string.Join(", ", LogPacks.All.Keys)})");
                return ExitCodes.ConfigInvalid;
            }
            selected.AddRange(pack);
        }
        foreach (var file in ruleFiles.Length > 0 || packNames.Length > 0 ? ruleFiles : [configPath])
        {
            if (ConfigOption.Load(file) is not { } loaded) return ExitCodes.ConfigInvalid;
            selected.AddRange(loaded.Logs.Rules);
            secrets = LogSecrets.Of(loaded);
        }
        if (selected.Count == 0)
        {
            Console.Error.WriteLine("no log rules to run: the config has no logs.rules; name a --pack or a --rules file");
            return ExitCodes.ConfigInvalid;
        }
        if (selected.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            Console.Error.WriteLine($"rule \"{twice.Key}\" is given twice (by two --rules files, or a pack named twice)");
            return ExitCodes.ConfigInvalid;
        }
        // Without --source, a file stands for whichever source each rule reads.
        var scanner = new LogScanner(source is null ? [.. selected.Select(r => r with { Source = null })] : selected, source ?? "scan");
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"{file}: no such file");
                return ExitCodes.NotFound;
            }
        }
        var fired = 0;
        long lines = 0;
        var events = new List<ScanEvent>();
        var interactive = !json && !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        foreach (var file in files)
        {
            void Report(ScanEvent e)
            {
                if (e.Event.Firing) fired++;
                if (interactive) events.Add(e);
                else Print(e, json, secrets);
            }
            if (interactive)
            {
                var length = new FileInfo(file).Length;
                AnsiConsole.Progress().AutoClear(true).Start(progress =>
                {
                    var task = progress.AddTask(Markup.Escape(Path.GetFileName(file)), maxValue: Math.Max(1, length));
                    lines += scanner.Scan(file, runOn, Report, read => task.Value = read, ct);
                });
                foreach (var e in events) Print(e, json, secrets);
                events.Clear();
            }
            else lines += scanner.Scan(file, runOn, Report, null, ct);
        }
        Console.Error.WriteLine($"{lines.ToString("N0", CultureInfo.InvariantCulture)} lines in {files.Length} file{(files.Length == 1 ? "" : "s")}, "
                                + $"{selected.Count} rules: {(fired == 0 ? "nothing fired" : $"{fired} firing{(fired == 1 ? "" : "s")}")}");
        return fired == 0 ? ExitCodes.Ok : ExitCodes.RuleFired;
    }

    private static void Print(ScanEvent e, bool json, LogSecrets secrets)
    {
        var ev = e.Event;
        var lines = ev.Lines.Select((l, i) => new ScanLineJson(e.LineNumbers[i], l.Time, Cut(secrets.Mask(l.Text)))).ToArray();
        var at = lines.Length > 0 ? lines[^1].Line : 0;
        if (json)
        {
            var record = new ScanEventJson(ev.Firing ? "firing" : "resolved", ev.Rule.Name, ev.Key, e.File, at, ev.At, ev.Summary, lines);
            Console.Out.WriteLine(JsonSerializer.Serialize(record, ScanJson.Default.ScanEventJson));
            return;
        }
        var key = ev.Key.Length > 0 ? $" [{ev.Key}]" : "";
        Console.Out.WriteLine($"{(ev.Firing ? "FIRING  " : "RESOLVED")} {Time(ev.At)} {ev.Rule.Name}{key} {e.File}:{at}: {ev.Summary}");
        foreach (var line in lines) Console.Out.WriteLine($"    {line.Line,8}  {line.Text}");
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Cut(string text) => text.Length <= LineLength ? text : string.Concat(text.AsSpan(0, LineLength), "…");
}

/// <summary>One firing or resolution of <c>ballast logs scan --json</c>.</summary>
/// <param name="Event"><c>firing</c> or <c>resolved</c>.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Key">What the rule keeps apart (a replica, a label value); empty when nothing.</param>
/// <param name="File">The file scanned.</param>
/// <param name="Line">The line number of the last line that made it fire (or resolve); 0 when no line did.</param>
/// <param name="At">When, in log time: for a sequence, when the wait ran out.</param>
/// <param name="Summary">What happened, in a sentence.</param>
/// <param name="Lines">The lines that made it fire, oldest first, each cut to 240 characters, secrets masked.</param>
internal sealed record ScanEventJson(string Event, string Rule, string Key, string File, long Line, DateTimeOffset At, string Summary, IReadOnlyList<ScanLineJson> Lines);

/// <summary>A line of a <see cref="ScanEventJson"/>: its number in the file, its time, its text.</summary>
internal sealed record ScanLineJson(long Line, DateTimeOffset Time, string Text);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScanEventJson))]
internal sealed partial class ScanJson : JsonSerializerContext;
