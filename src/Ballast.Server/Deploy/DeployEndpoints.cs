using Ballast.Core;
using Ballast.Core.Deploy;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Core.Security;

namespace Ballast.Server.Deploy;

/// <summary>
/// The process runtime's API under /api/v1/services, used by <c>ballast deploy</c>, and the deploy history for the
/// dashboard.
/// </summary>
public static class DeployEndpoints
{
    public static IEndpointRouteBuilder MapDeployEndpoints(this IEndpointRouteBuilder app)
    {
        var services = app.MapGroup("/api/v1/services/{name}");
        services.MapGet("", async (string name, ProcessRuntime runtime) =>
            await Known(name, async () => Results.Json(await runtime.StatusAsync(name), ProcessRuntimeJson.Default.ServiceStatus))).RequireRole(Role.Viewer);
        services.MapPost("/rollouts", async (string name, HttpRequest http, ProcessRuntime runtime, CancellationToken ct) =>
            await Known(name, async () =>
            {
                var (request, invalid) = await JsonBody<RolloutRequest>.ReadAsync(http, ProcessRuntimeJson.Default.RolloutRequest, optional: false, ct);
                if (invalid is not null) return invalid;
                if (!ReleaseFiles.IsName(request!.Release))
                    return Results.Problem($"release: \"{ShortText.Truncate(request.Release, 80)}\" is not a release name; name a release `ballast deploy` prepared (letters, digits, '.', '_' and '-'), never a path",
                        statusCode: 400, title: "invalid request body");
                http.HttpContext.AuditDetail($"release {request!.Release}");
                try
                {
                    var (unexpected, missing) = runtime.EnvMismatch(name, request.Env);
                    if (unexpected.Count > 0 || missing.Count > 0)
                        return Results.Problem(
                            "env: must be exactly the service's configured variables (env, env_file, BALLAST_RELEASE, BALLAST_COMMIT)" +
                            (unexpected.Count > 0 ? $"; not configured: {string.Join(", ", unexpected.Select(n => ShortText.Truncate(n, 80)))}" : "") +
                            (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : ""),
                            statusCode: 422, title: "unexpected environment");
                    return Results.Json(await runtime.RolloutAsync(name, request!, ct), ProcessRuntimeJson.Default.RolloutResult);
                }
                catch (Exception e) when (e is RolloutException or DeployException)
                {
                    return Results.Problem(e.Message, statusCode: 422, title: "rollout failed");
                }
            })).RequireRole(Role.Deployer);
        services.MapGet("/logs", async (string name, string release, ProcessRuntime runtime) =>
            await Known(name, async () => Results.Json(new ReleaseLogs(release, await runtime.LogsAsync(name, release)), ProcessRuntimeJson.Default.ReleaseLogs))).RequireRole(Role.Viewer);
        services.MapGet("/deploys", async (string name, int? limit, IDeployStore store, CancellationToken ct) =>
            Results.Json(await store.HistoryAsync(name, Math.Clamp(limit ?? 50, 1, 1000), ct), DeployJson.Default.IReadOnlyListDeployRecord)).RequireRole(Role.Viewer);
        services.MapGet("/backups", async (string name, int? limit, IDeployStore store, CancellationToken ct) =>
            // Names and *** only: what was sealed stays sealed, and even a reference says more than a reader needs.
            Results.Json((await store.BackupsAsync(name, Math.Clamp(limit ?? 20, 1, 200), ct)).Select(b => b with { Content = SpecSealing.Mask(b.Content) }).ToArray(),
                DeployJson.Default.IReadOnlyListStoredBackup)).RequireRole(Role.Viewer);
        return app;
    }

    private static async Task<IResult> Known(string name, Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (KeyNotFoundException e)
        {
            return Results.Problem(e.Message, statusCode: 404);
        }
        catch (RolloutException e)
        {
            return Results.Problem(e.Message, statusCode: 503);
        }
    }
}
