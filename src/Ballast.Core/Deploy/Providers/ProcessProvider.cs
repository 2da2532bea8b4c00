using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Config;
using Ballast.Core.Security;
using CliWrap;
using CliWrap.Buffered;

namespace Ballast.Core.Deploy.Providers;

/// <summary>
/// The <c>process</c> provider: releases run as replicas under <c>ballast serve</c> (its process runtime, behind
/// YARP). This side asks the server over its API; the build is the user's command and a copy of the artifact folder.
/// </summary>
public sealed class ProcessProvider(IHttpClientFactory clients) : DeployProvider<ProcessServiceConfig>
{
    /// <summary>The named client for Ballast's own API; every call here is bounded by its own token, not a client timeout.</summary>
    public const string ClientName = "ballast-server";

    private HttpClient Http => clients.CreateClient(ClientName);

    private static Uri Server(DeployContext context, string path) => new(context.Ballast.Server.Listen, path);

    /// <summary>Sends a request to the server with this machine's credential (<see cref="LocalCredential.Authorize"/>).</summary>
    private async Task<HttpResponseMessage> SendAsync(DeployContext context, HttpMethod method, string path, HttpContent? content,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Server(context, path)) { Content = content };
        if (LocalCredential.Authorize(request, context.Ballast) is { } refused) throw new DeployException(refused);
        return await Http.SendAsync(request, cancellationToken);
    }

    private async Task<T> GetAsync<T>(DeployContext context, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type,
        CancellationToken cancellationToken)
    {
        using var response = await SendAsync(context, HttpMethod.Get, path, null, cancellationToken);
        if (!response.IsSuccessStatusCode) throw new DeployException(await Detail(response, cancellationToken));
        return await response.Content.ReadFromJsonAsync(type, cancellationToken) ?? throw new DeployException($"ballast serve answered nothing for {path}");
    }

    protected override async Task<IReadOnlyList<string>> PreflightAsync(DeployContext context, ProcessServiceConfig process, bool building,
        CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var artifact = context.Resolve(process.Artifact);
        if (building && !Directory.Exists(artifact) && context.Config.Build?.Command is null)
            problems.Add($"artifact folder {artifact} does not exist and there is no build.command to make it");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await SendAsync(context, HttpMethod.Get, $"/api/v1/services/{context.Service}", null, timeout.Token);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                problems.Add($"ballast serve at {context.Ballast.Server.Listen} does not run {context.Service}: is it running another ballast.yaml?");
            else if (!response.IsSuccessStatusCode)
                problems.Add($"ballast serve cannot run {context.Service}: {await Detail(response, cancellationToken)}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            problems.Add($"ballast serve is not answering at {context.Ballast.Server.Listen} ({e.Message}); the process provider runs replicas inside it: start `ballast serve --config {context.Ballast.SourcePath}`");
        }
        return problems;
    }

    protected override async Task<string> BuildAsync(DeployContext context, ProcessServiceConfig process, string nextRelease, CancellationToken cancellationToken)
    {
        if (context.Config.Build?.Command is { } command) await Shell.RunAsync(context, command, cancellationToken);
        var artifact = context.Resolve(process.Artifact);
        return Directory.Exists(artifact) ? nextRelease : throw new DeployException($"the build did not produce {artifact}");
    }

    /// <summary>Asks the code itself: the release's command with <c>--ballast-contract</c>, run in the artifact folder (or the kept release).</summary>
    protected override async Task<ServiceContract?> ContractAsync(DeployContext context, ProcessServiceConfig process, string release,
        CancellationToken cancellationToken)
    {
        var kept = Path.Combine(ReleaseFiles.Root(context.BaseDirectory, context.Service), release);
        var folder = Directory.Exists(kept) ? kept : context.Resolve(process.Artifact);
        var executable = File.Exists(Path.Combine(folder, process.Command)) ? Path.Combine(folder, process.Command) : process.Command;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30), context.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap(executable)
                .WithArguments([.. process.Args.Select(a => a.Replace("{port}", "0", StringComparison.Ordinal)), "--ballast-contract"])
                .WithWorkingDirectory(folder)
                // The release's own environment, as its replicas will have it; never the deployer's.
                .WithEnvironmentVariables(ReleaseEnvironment.ForRelease(
                    Environment.GetEnvironmentVariables().Keys.OfType<string>(), ReleaseIdentity.Delivered(context.Env, release, commit: null)))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(timeout.Token);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DeployException($"cannot run {process.Command} to ask for its contract: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeployException($"{process.Command} --ballast-contract did not finish within 30s");
        }
        if (result.ExitCode != 0 || !result.StandardOutput.TrimStart().StartsWith('{'))
            throw new DeployException($"{process.Command} --ballast-contract exited with {result.ExitCode} without printing a contract: {result.StandardError.Trim()}");
        return ServiceContract.Parse(result.StandardOutput, $"{release} --ballast-contract");
    }

    protected override async Task<SpecChange> UpdateSpecAsync(DeployContext context, ProcessServiceConfig process, string release,
        IReadOnlyDictionary<string, string> env, bool dryRun, CancellationToken cancellationToken)
    {
        // The process provider has no spec file: the change is the release, the scale and the environment's names.
        var status = await StatusAsync(context, cancellationToken);
        var liveNames = status.EnvNames.ToHashSet(StringComparer.Ordinal);
        var lines = new List<string> { $"release: {status.Release ?? "(none)"} → {release}", $"scale: {status.Replicas.Count} → {context.Config.Scale}" };
        lines.AddRange(env.Keys.Where(n => !liveNames.Contains(n)).Order(StringComparer.Ordinal).Select(n => $"+ env {n}=***"));
        lines.AddRange(liveNames.Where(n => !env.ContainsKey(n)).Order(StringComparer.Ordinal).Select(n => $"- env {n}"));
        return new SpecChange(lines);
    }

    protected override async Task RolloutAsync(DeployContext context, ProcessServiceConfig process, string release, IReadOnlyDictionary<string, string> env,
        CancellationToken cancellationToken)
    {
        // The deployer prepares the release's files itself; the server runs only a release it finds there, by name.
        ReleaseFiles.Prepare(ReleaseFiles.Root(context.BaseDirectory, context.Service), release, context.Resolve(process.Artifact));
        using var response = await SendAsync(context, HttpMethod.Post, $"/api/v1/services/{context.Service}/rollouts",
            JsonContent.Create(new RolloutRequest(release, env), ProcessRuntimeJson.Default.RolloutRequest), cancellationToken);
        if (!response.IsSuccessStatusCode) throw new DeployException(await Detail(response, cancellationToken));
        var result = await response.Content.ReadFromJsonAsync(ProcessRuntimeJson.Default.RolloutResult, cancellationToken)
                     ?? throw new DeployException("the server's rollout answer was empty");
        context.Reporter.Detail($"replicas on ports {string.Join(", ", result.Ports)}; ready after {result.ReadyMs:0} ms; old replicas drained in {result.DrainMs:0} ms");
    }

    protected override async Task<string?> LiveReleaseAsync(DeployContext context, ProcessServiceConfig process, CancellationToken cancellationToken)
    {
        return (await StatusAsync(context, cancellationToken)).Release;
    }

    private async Task<ServiceStatus> StatusAsync(DeployContext context, CancellationToken cancellationToken) =>
        await GetAsync(context, $"/api/v1/services/{context.Service}", ProcessRuntimeJson.Default.ServiceStatus, cancellationToken);

    protected override async Task<IReadOnlyList<string>> LogsAsync(DeployContext context, ProcessServiceConfig process, string release,
        CancellationToken cancellationToken)
    {
        var logs = await GetAsync(context, $"/api/v1/services/{context.Service}/logs?release={Uri.EscapeDataString(release)}",
            ProcessRuntimeJson.Default.ReleaseLogs, cancellationToken);
        return logs.Lines;
    }

    protected override Uri? DefaultBaseUrl(DeployContext context, ProcessServiceConfig process) => process.Listen;

    /// <summary>The server's reason (a problem+json <c>detail</c>), else its status.</summary>
    private static async Task<string> Detail(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { } reason) return reason;
        }
        catch (JsonException)
        {
            // Not problem+json: the status says enough.
        }
        return $"the server answered {(int)response.StatusCode}";
    }
}
