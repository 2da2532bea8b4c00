using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Ballast.Core.Config;

namespace Ballast.Core.Deploy;

/// <summary>What <c>ballast deploy</c> was asked to do.</summary>
public sealed record DeployRequest(string Service, string? Image = null, bool DryRun = false, bool SkipContract = false, bool ForceUnlock = false);

/// <summary>
/// The deploy pipeline (docs/deploy.md): preflight, lock, checklist, build, contract, spec, rollout, verify, post_log;
/// a failure after the rollout rolls back to the last release that passed verification, which is then verified too.
/// Every step is reported as it runs and stored with its timing and outcome.
/// </summary>
public sealed class DeployPipeline(IEnumerable<IDeployProvider> providers, IDeployStore store, Verifier verifier, TimeProvider time, ISecretSealer sealer)
{
    /// <summary>A span per deploy step ("deploy rollout"), tagged with the service, release and outcome.</summary>
    public static readonly ActivitySource Activity = new("Ballast.Deploy");

    // Keyed by the section type each acts on, so the service's section picks its provider.
    private readonly Dictionary<Type, IDeployProvider> _providers = providers.ToDictionary(p => p.ConfigType);

    /// <summary>Who is deploying, for the history and the lock.</summary>
    public static string Who => $"{Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId})";

    public async Task<DeployRecord> DeployAsync(BallastConfig config, DeployRequest request, IDeployReporter reporter, CancellationToken cancellationToken)
    {
        var run = new DeployRun(store, time, config, request.Service, reporter, request.DryRun ? null : "deploy");
        reporter = run;
        try
        {
            await run.StartAsync(cancellationToken);
            var (context, provider) = run.Chose(await run.Step("preflight", () => PreflightAsync(config, request.Service, reporter, request.Image is null, cancellationToken)));
            if (!request.DryRun) run.Lease = await run.Step("lock", () => LockAsync(context, request.ForceUnlock, cancellationToken));
            await run.Step("checklist", () => ChecklistAsync(context, cancellationToken), skipWhen: context.Config.Checklist.Pre.Count == 0 ? "no checklist.pre commands" : null);

            var release = request.Image;
            if (release is null && request.DryRun)
            {
                release = await NextReleaseAsync(context, cancellationToken);
                reporter.Detail($"build skipped (--dry-run): the new release would be {release}");
            }
            string? commit = null;
            release ??= await run.Step("build", async () =>
            {
                if (context.Config.Build is null) throw new DeployException("the service has no build: section; deploy an existing release with --image REF");
                var built = await provider.BuildAsync(context, await NextReleaseAsync(context, cancellationToken), cancellationToken);
                commit = await ReleaseIdentity.CommitAsync(context, cancellationToken);
                return built;
            });
            run.Release = release;
            // An existing release deployed again (--image) keeps the commit its build recorded.
            commit ??= request.Image is null ? null : await store.CommitOfAsync(request.Service, release, cancellationToken);
            run.Commit = commit;
            reporter.Detail(commit is null ? $"release {release}" : $"release {release} (commit {commit})");

            var env = ReleaseIdentity.Delivered(context.Env, release, commit);
            run.EnvNames = ServiceContract.SetNames(env);
            var contract = await run.Step("contract", async () =>
            {
                var found = await ContractAsync(context, provider, release, cancellationToken)
                            ?? throw new DeployException("no contract: set contract: to the service's ballast.contract.json");
                var problems = found.Problems(env);
                if (problems.Count > 0) throw new DeployException($"the environment does not meet the release's contract: {string.Join("; ", problems)}");
                reporter.Detail($"{found.Env.Count} variables in the contract, all present and well-formed");
                return found;
            }, skipWhen: request.SkipContract ? "--skip-contract" : null);
            contract ??= request.SkipContract ? await TryContractAsync(context, provider, release, cancellationToken) : null;

            await run.Step("spec", async () =>
            {
                await run.KeepAsync(await provider.UpdateSpecAsync(context, release, env, request.DryRun, cancellationToken));
                return true;
            });
            if (request.DryRun) return await run.FinishAsync(DeployOutcome.DryRun, cancellationToken);

            run.Changed = true;
            await run.Step("rollout", async () => { await provider.RolloutAsync(context, release, env, cancellationToken); return true; });
            await run.Step("verify", () => VerifyStepAsync(context, provider, release, contract, run.EnvNames, reporter, cancellationToken));
            await run.Step("post_log", () => PostLogAsync(context, provider, release, cancellationToken),
                skipWhen: context.Config.Checklist.PostLog is null ? "no checklist.post_log" : null);
            return await run.FinishAsync(DeployOutcome.Deployed, cancellationToken);
        }
        catch (StepFailedException) when (!run.Changed)
        {
            return await run.FinishAsync(DeployOutcome.Refused, CancellationToken.None);
        }
        catch (StepFailedException)
        {
            return await AfterFailureAsync(run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted (Ctrl+C): recorded as refused when nothing had changed yet, else as failed and left as it is.
            return await run.FinishAsync(run.Changed ? DeployOutcome.Failed : DeployOutcome.Refused, CancellationToken.None);
        }
        finally
        {
            if (run.Lease is { } lease) await lease.DisposeAsync();
        }
    }

    /// <summary>Rolls back to <paramref name="to"/>, or to the newest release before the live one that passed verification.</summary>
    public async Task<DeployRecord> RollbackAsync(BallastConfig config, string service, string? to, bool forceUnlock, IDeployReporter reporter,
        CancellationToken cancellationToken)
    {
        var run = new DeployRun(store, time, config, service, reporter, "rollback");
        reporter = run;
        try
        {
            await run.StartAsync(cancellationToken);
            var (context, provider) = run.Chose(await run.Step("preflight", () => PreflightAsync(config, service, reporter, false, cancellationToken)));
            run.Lease = await run.Step("lock", () => LockAsync(context, forceUnlock, cancellationToken));
            var live = await store.LastDeployedAsync(service, null, null, cancellationToken);
            run.RollbackOf = live?.Id;
            var target = to ?? await run.Step("target", async () =>
                (await store.LastDeployedAsync(service, null, live?.Release, cancellationToken))?.Release
                ?? throw new DeployException("no earlier release passed verification; name one with --to RELEASE"));
            run.Release = target;
            run.Commit = await store.CommitOfAsync(service, target, cancellationToken);
            run.Changed = true;
            await RollBackToAsync(run, context, provider, target, cancellationToken);
            return await run.FinishAsync(DeployOutcome.Deployed, cancellationToken);
        }
        catch (StepFailedException)
        {
            return await run.FinishAsync(run.Changed ? DeployOutcome.RollbackFailed : DeployOutcome.Refused, CancellationToken.None);
        }
        finally
        {
            if (run.Lease is { } lease) await lease.DisposeAsync();
        }
    }

    /// <summary><c>ballast verify</c>: the live service against the checks, for <paramref name="release"/> (default: the last deployed).</summary>
    public async Task<(bool Passed, string? Release)> VerifyAsync(BallastConfig config, string service, string? release, IDeployReporter reporter,
        CancellationToken cancellationToken)
    {
        var run = new DeployRun(store, time, config, service, reporter, null);
        reporter = run;
        try
        {
            var (context, provider) = run.Chose(await run.Step("preflight", () => PreflightAsync(config, service, reporter, false, cancellationToken)));
            var live = await store.LastDeployedAsync(service, null, null, cancellationToken);
            release ??= live?.Release ?? throw new DeployException($"nothing deployed for {service} yet; name the release with --release");
            var envNames = live?.Release == release ? live.EnvNames
                : ServiceContract.SetNames(ReleaseIdentity.Delivered(context.Env, release, await store.CommitOfAsync(service, release, cancellationToken)));
            var contract = await TryContractAsync(context, provider, release, cancellationToken);
            await run.Step("verify", () => VerifyStepAsync(context, provider, release, contract, envNames, reporter, cancellationToken));
            return (true, release);
        }
        catch (StepFailedException)
        {
            return (false, release);
        }
        catch (DeployException e)
        {
            reporter.Detail(e.Message);
            return (false, release);
        }
    }

    private async Task<DeployRecord> AfterFailureAsync(DeployRun run, CancellationToken cancellationToken)
    {
        if (run.Context is not { } context || run.Provider is not { } provider) return await run.FinishAsync(DeployOutcome.RollbackFailed, cancellationToken);
        if (context.Config.OnFailure == OnFailure.Stop) return await run.FinishAsync(DeployOutcome.Failed, cancellationToken);
        try
        {
            var target = await run.Step("rollback target", async () =>
                (await store.LastDeployedAsync(run.Service, null, run.Release, cancellationToken))?.Release
                ?? throw new DeployException("no earlier release passed verification: nothing to roll back to"));
            await RollBackToAsync(run, context, provider, target, cancellationToken);
            run.RolledBackTo = target;
            return await run.FinishAsync(DeployOutcome.RolledBack, cancellationToken);
        }
        catch (StepFailedException)
        {
            return await run.FinishAsync(DeployOutcome.RollbackFailed, CancellationToken.None);
        }
    }

    private async Task RollBackToAsync(DeployRun run, DeployContext context, IDeployProvider provider, string target, CancellationToken cancellationToken)
    {
        // The release goes back with the commit it was built from, as its first deploy delivered it.
        var env = ReleaseIdentity.Delivered(context.Env, target, await store.CommitOfAsync(context.Service, target, cancellationToken));
        await run.Step("rollback", async () =>
        {
            context.Reporter.Detail($"rolling back to {target}");
            await run.KeepAsync(await provider.UpdateSpecAsync(context, target, env, dryRun: false, cancellationToken));
            // A rollout that failed before it took traffic (a readiness gate, a FAILED deployment) left the old release
            // serving, with the environment it was deployed with.
            if (await provider.LiveReleaseAsync(context, cancellationToken) == target)
            {
                context.Reporter.Detail($"{target} is still serving; nothing to roll out");
                run.EnvNames = (await store.LastDeployedAsync(context.Service, target, null, cancellationToken))?.EnvNames ?? ServiceContract.SetNames(env);
            }
            else
            {
                await provider.RolloutAsync(context, target, env, cancellationToken);
                run.EnvNames = ServiceContract.SetNames(env);
            }
            return true;
        });
        var contract = await TryContractAsync(context, provider, target, cancellationToken);
        await run.Step("rollback verify", () => VerifyStepAsync(context, provider, target, contract, run.EnvNames, context.Reporter, cancellationToken));
    }

    private async Task<(DeployContext, IDeployProvider)> PreflightAsync(BallastConfig config, string service, IDeployReporter reporter, bool building,
        CancellationToken cancellationToken)
    {
        if (!config.Services.TryGetValue(service, out var serviceConfig))
        {
            var hint = config.Services.Count == 0 ? "ballast.yaml has no services:" : $"services are {string.Join(", ", config.Services.Keys)}";
            throw new DeployException($"no service named \"{service}\" ({hint})");
        }
        var section = serviceConfig.ProviderConfig
                      ?? throw new DeployException($"service \"{service}\" has no {ConfigShape.EnumKey(serviceConfig.Provider)}: section");
        var provider = _providers.GetValueOrDefault(section.GetType())
                       ?? throw new DeployException($"the {ConfigShape.EnumKey(serviceConfig.Provider)} provider is not available");
        var env = ReleaseEnvironment.Resolve(serviceConfig, Path.GetDirectoryName(config.SourcePath) ?? Directory.GetCurrentDirectory());
        var context = new DeployContext(service, serviceConfig, config, reporter, time) { Env = env, Secrets = ServiceSecrets.Of(config, service, env), Sealer = sealer };
        var missing = await provider.PreflightAsync(context, building, cancellationToken);
        if (missing.Count > 0) throw new DeployException(string.Join("; ", missing));
        return (context, provider);
    }

    private Task<DeployLease> LockAsync(DeployContext context, bool force, CancellationToken cancellationToken) =>
        DeployLease.AcquireAsync(store, context.Service, Who, context.Config.LockTtl, force, context.Reporter, time, cancellationToken);

    private static async Task<bool> ChecklistAsync(DeployContext context, CancellationToken cancellationToken)
    {
        foreach (var command in context.Config.Checklist.Pre) await Shell.RunAsync(context, command, cancellationToken);
        return true;
    }

    private async Task<string> NextReleaseAsync(DeployContext context, CancellationToken cancellationToken)
    {
        var label = context.Config.Build?.Label ?? context.Service;
        var numbered = new Regex("^" + Regex.Escape(label) + @"\.(\d+)$");
        var last = (await store.HistoryAsync(context.Service, 1000, cancellationToken))
            .Select(r => r.Release is null ? null : numbered.Match(r.Release)).Where(m => m is { Success: true })
            .Select(m => int.Parse(m!.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        return $"{label}.{last + 1}";
    }

    private static async Task<ServiceContract?> ContractAsync(DeployContext context, IDeployProvider provider, string release, CancellationToken cancellationToken)
    {
        if (context.Config.Contract is not { } file) return await provider.ContractAsync(context, release, cancellationToken);
        var path = context.Resolve(file);
        if (!File.Exists(path)) throw new DeployException($"contract {path} does not exist");
        return ServiceContract.Parse(await File.ReadAllTextAsync(path, cancellationToken), path);
    }

    private static async Task<ServiceContract?> TryContractAsync(DeployContext context, IDeployProvider provider, string release, CancellationToken cancellationToken)
    {
        try
        {
            return await ContractAsync(context, provider, release, cancellationToken);
        }
        catch (DeployException e)
        {
            context.Reporter.Detail($"no contract for verification: {e.Message}");
            return null;
        }
    }

    private async Task<bool> VerifyStepAsync(DeployContext context, IDeployProvider provider, string release, ServiceContract? contract,
        IReadOnlyCollection<string> envNames, IDeployReporter reporter, CancellationToken cancellationToken)
    {
        var baseUrl = context.Config.Verify.BaseUrl ?? provider.DefaultBaseUrl(context)
                      ?? throw new DeployException("verify.base_url is not set");
        var results = await verifier.RunAsync(Verifier.Checks(context.Config, baseUrl, release, contract, envNames), context.Config.Verify, cancellationToken);
        foreach (var r in results) reporter.Detail(r.Passed ? $"✔ {r.Name}" : $"✘ {r.Name}: {r.Cause}");
        var failed = results.Where(r => !r.Passed).ToArray();
        if (failed.Length > 0)
            throw new DeployException($"{failed.Length} of {results.Count} checks failed after {Config.Duration.Format(context.Config.Verify.Timeout)}: " +
                                      string.Join("; ", failed.Select(f => $"{f.Name}: {f.Cause}")));
        return true;
    }

    private async Task<bool> PostLogAsync(DeployContext context, IDeployProvider provider, string release, CancellationToken cancellationToken)
    {
        var phrase = context.Config.Checklist.PostLog!;
        var started = time.GetTimestamp();
        while (true)
        {
            if ((await provider.LogsAsync(context, release, cancellationToken)).FirstOrDefault(l => l.Contains(phrase, StringComparison.Ordinal)) is { } line)
            {
                context.Reporter.Detail(line.Trim());
                return true;
            }
            if (time.GetElapsedTime(started) > context.Config.Checklist.PostLogTimeout)
                throw new DeployException($"\"{phrase}\" did not appear in {release}'s logs within {Config.Duration.Format(context.Config.Checklist.PostLogTimeout)}");
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }
    }
}
