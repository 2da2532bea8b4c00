using System.CommandLine;
using System.Text.Json;
using Ballast.Core;
using Ballast.Core.Config;
using Ballast.Core.Deploy;
using Ballast.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast deploy|verify|rollback|history SERVICE</c> (docs/deploy.md).</summary>
internal static class DeployCommands
{
    // The records as the server's /deploys answers them, indented for people reading the output.
    private static readonly DeployJson Json = new(new JsonSerializerOptions(DeployJson.Default.Options) { WriteIndented = true });

    public static IEnumerable<Command> Create() => [Deploy(), Verify(), Rollback(), History()];

    private static Argument<string> Service() => new("service") { Description = "The service's name under services: in ballast.yaml" };

    private static Command Deploy()
    {
        var service = Service();
        var config = ConfigOption.Create();
        var image = new Option<string?>("--image") { Description = "Deploy this existing image reference (lightsail) or release (process) instead of building" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Do every step that changes nothing and print what would change" };
        var skipContract = new Option<bool>("--skip-contract") { Description = "Do not check the environment against the release's contract (dangerous)" };
        var forceUnlock = new Option<bool>("--force-unlock") { Description = "Break a lock left by a deploy that crashed" };
        var json = new Option<bool>("--json") { Description = "Print the deploy record as JSON on stdout" };
        var command = new Command("deploy", "Build, check, roll out and verify a release; roll back by itself when it fails")
            { service, image, dryRun, skipContract, forceUnlock, json, config };
        SetAction(command, config, async (loaded, services, parse, ct) =>
        {
            var pipeline = services.GetRequiredService<DeployPipeline>();
            var request = new DeployRequest(parse.GetValue(service)!, parse.GetValue(image), parse.GetValue(dryRun), parse.GetValue(skipContract),
                parse.GetValue(forceUnlock));
            var record = await ConsoleReporter.ShowAsync(reporter => pipeline.DeployAsync(loaded, request, reporter, ct));
            await CliAudit.RecordDeployAsync(services, "deploy", record);
            return Finish(record, parse.GetValue(json));
        });
        return command;
    }

    private static Command Rollback()
    {
        var service = Service();
        var config = ConfigOption.Create();
        var to = new Option<string?>("--to") { Description = "The release to go back to (default: the newest one before the live one that passed verification)" };
        var forceUnlock = new Option<bool>("--force-unlock") { Description = "Break a lock left by a deploy that crashed" };
        var json = new Option<bool>("--json") { Description = "Print the rollback record as JSON on stdout" };
        var command = new Command("rollback", "Put an earlier release back and verify it") { service, to, forceUnlock, json, config };
        SetAction(command, config, async (loaded, services, parse, ct) =>
        {
            var pipeline = services.GetRequiredService<DeployPipeline>();
            var record = await ConsoleReporter.ShowAsync(reporter =>
                pipeline.RollbackAsync(loaded, parse.GetValue(service)!, parse.GetValue(to), parse.GetValue(forceUnlock), reporter, ct));
            await CliAudit.RecordDeployAsync(services, "rollback", record);
            return Finish(record, parse.GetValue(json));
        });
        return command;
    }

    private static Command Verify()
    {
        var service = Service();
        var config = ConfigOption.Create();
        var release = new Option<string?>("--release") { Description = "The release that should be live (default: the last one deployed)" };
        var command = new Command("verify", "Check the live service: ready, /version, CORS and the service's own checks") { service, release, config };
        SetAction(command, config, async (loaded, services, parse, ct) =>
        {
            var pipeline = services.GetRequiredService<DeployPipeline>();
            var (passed, verified) = await ConsoleReporter.ShowAsync(reporter =>
                pipeline.VerifyAsync(loaded, parse.GetValue(service)!, parse.GetValue(release), reporter, ct));
            Console.Error.WriteLine(passed ? $"{verified} verified" : $"verification failed{(verified is null ? "" : $" for {verified}")}");
            return passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static Command History()
    {
        var service = Service();
        var config = ConfigOption.Create();
        var limit = new Option<int>("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print JSON on stdout, every step included" };
        var command = new Command("history", "Releases deployed and rolled back: when, who, outcome, steps") { service, limit, json, config };
        SetAction(command, config, async (loaded, services, parse, ct) =>
        {
            var store = services.GetRequiredService<IDeployStore>();
            var records = await store.HistoryAsync(parse.GetValue(service)!, Math.Max(1, parse.GetValue(limit)), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(records, Json.IReadOnlyListDeployRecord));
                return ExitCodes.Ok;
            }
            if (records.Count == 0) Console.Error.WriteLine($"no deploys of {parse.GetValue(service)} yet");
            var table = new Table().AddColumns("#", "kind", "release", "started (UTC)", "took", "who", "outcome", "failed step");
            foreach (var r in records)
            {
                var failed = r.Steps.FirstOrDefault(s => s.Outcome == StepOutcome.Failed);
                table.AddRow(
                    r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Kind, Markup.Escape(r.Release ?? "-"), $"{r.StartedAt:yyyy-MM-dd HH:mm:ss}",
                    r.FinishedAt is { } f ? Duration.Format(f - r.StartedAt) : "-", Markup.Escape(r.Who),
                    Markup.Escape(r.Outcome + (r.RolledBackTo is { } to ? $" → {to}" : "")),
                    failed is null ? "" : Markup.Escape($"{failed.Name}: {failed.Detail}"));
            }
            var stdout = AnsiConsole.Console;
            if (Console.IsOutputRedirected) stdout.Profile.Width = 1000;
            stdout.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The verb's action, with the loaded config and the deploy registrations over Ballast's storage.</summary>
    private static void SetAction(Command command, Option<string> config, Func<BallastConfig, ServiceProvider, ParseResult, CancellationToken, Task<int>> action) =>
        ConfigOption.SetAction(command, config, (loaded, parse, ct) => StorageGuard.RunAsync(async () =>
        {
            await using var services = await ServicesAsync(loaded, ct);
            return await action(loaded, services, parse, ct);
        }));

    /// <summary>Spectre on stderr; when it is not a terminal, lines are not wrapped at 80 columns.</summary>
    private static IAnsiConsole Stderr()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected) console.Profile.Width = 1000;
        return console;
    }

    private static int Finish(DeployRecord record, bool json)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(record, Json.DeployRecord));
        var took = record.FinishedAt is { } f ? $" in {Duration.Format(f - record.StartedAt)}" : "";
        Console.Error.WriteLine(record.Outcome switch
        {
            DeployOutcome.Deployed => $"{record.Release} is live and verified{took}",
            DeployOutcome.DryRun => "dry run: nothing was changed",
            DeployOutcome.Refused => "refused: nothing was changed",
            DeployOutcome.RolledBack => $"{record.Release} failed; rolled back to {record.RolledBackTo}, which is serving and verified",
            DeployOutcome.RollbackFailed => "the release failed and the rollback failed too: the service needs attention now",
            _ => $"{record.Release} failed and was left in place (on_failure: stop)",
        });
        return record.Outcome switch
        {
            DeployOutcome.Deployed or DeployOutcome.DryRun => ExitCodes.Ok,
            DeployOutcome.Refused => ExitCodes.DeployRefused,
            DeployOutcome.RolledBack => ExitCodes.RolledBack,
            DeployOutcome.RollbackFailed => ExitCodes.RollbackFailed,
            _ => ExitCodes.DeployFailed,
        };
    }

    /// <summary>
    /// The pipeline, its providers and the deploy store from the registrations <c>ballast serve</c> uses, with the
    /// schema migrated before anything reads the store. Disposing it disposes the providers' and the probe's clients.
    /// </summary>
    private static async Task<ServiceProvider> ServicesAsync(BallastConfig config, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection().AddBallastStorage(config).AddBallastDeploy().BuildServiceProvider();
        try
        {
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            return services;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Each step as it finishes, on stderr (stdout stays for --json); in a terminal, a spinner names the step
    /// running meanwhile.
    /// </summary>
    private sealed class ConsoleReporter : IDeployReporter
    {
        private readonly IAnsiConsole _out = Stderr();
        private StatusContext? _status;

        public static async Task<T> ShowAsync<T>(Func<IDeployReporter, Task<T>> run)
        {
            var reporter = new ConsoleReporter();
            if (Console.IsErrorRedirected) return await run(reporter);
            return await reporter._out.Status().Spinner(Spinner.Known.Dots).StartAsync("starting", async status =>
            {
                reporter._status = status;
                return await run(reporter);
            });
        }

        public void Started(string step)
        {
            if (_status is { } status) status.Status($"{Markup.Escape(step)}…");
            else _out.MarkupLine($"[grey]… {Markup.Escape(step)}[/]");
        }

        public void Finished(DeployStep step) => _out.MarkupLine(step.Outcome switch
        {
            StepOutcome.Passed => $"[green]✔[/] {Markup.Escape(step.Name)} [grey]({step.Duration.TotalMilliseconds:0} ms)[/]",
            StepOutcome.Skipped => $"[grey]– {Markup.Escape(step.Name)} skipped: {Markup.Escape(step.Detail ?? "")}[/]",
            _ => $"[red]✘ {Markup.Escape(step.Name)}[/] [grey]({step.Duration.TotalMilliseconds:0} ms)[/]: {Markup.Escape(step.Detail ?? "")}",
        });

        public void Detail(string line) => _out.MarkupLine($"    {Markup.Escape(line)}");
    }
}
