using Ballast.Core;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Core.StatusPages;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Microsoft.Net.Http.Headers;

namespace Ballast.Server.StatusPages;

/// <summary>
/// Status pages' routes besides the page itself (<c>Dashboard/Components/Pages/StatusPage.razor</c>): the public Atom
/// feed, the API responders post public messages through, and the dashboard's form posts, which answer with redirects.
/// </summary>
public static class StatusPageEndpoints
{
    /// <summary>The responders' dashboard page.</summary>
    public const string DashboardPath = "/status-pages";

    public static IServiceCollection AddBallastStatusPages(this IServiceCollection services)
    {
        services.AddSingleton<StatusPageSnapshots>();
        services.AddSingleton<StatusPageChanges>();
        services.AddSingleton<IIncidentListener>(sp => sp.GetRequiredService<StatusPageChanges>());
        services.AddTransient<IStartupFilter, StatusPageCaching>();
        return services;
    }

    public static IEndpointRouteBuilder MapStatusPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status/{slug}/feed.atom", async (string slug, HttpContext context, StatusPageSnapshots snapshots, CancellationToken ct) =>
        {
            if (await snapshots.GetAsync(slug, ct) is not { } view) return Results.NotFound();
            if (StatusPageCaching.NotModified(context, view)) return Results.StatusCode(StatusCodes.Status304NotModified);
            return Results.Text(view.Feed, StatusPageFeed.ContentType);
        }).Public();

        var api = app.MapGroup("/api/v1/status-pages/{slug}/messages");
        api.MapGet("", async (string slug, ConfigState config, IStatusMessageStore store, CancellationToken ct) =>
        {
            if (!Exists(config, slug)) return NoPage(slug);
            var list = await store.ListAsync(slug, null, 500, ct);
            return Results.Json(list.Select(StatusMessageView.Of).ToArray(), StatusPagesJson.Default.IReadOnlyListStatusMessageView);
        }).RequireRole(Role.Viewer);
        api.MapPost("", async (string slug, HttpContext context, CancellationToken ct) =>
        {
            var (body, invalid) = await JsonBody<StatusMessageRequest>.ReadAsync(context.Request, StatusPagesJson.Default.StatusMessageRequest, optional: false, ct);
            if (body is null) return invalid!;
            var (message, problem) = await PostMessageAsync(context, slug, body, ct);
            if (message is null) return problem!;
            context.Response.Headers.Location = $"/api/v1/status-pages/{slug}/messages/{message.Id}";
            return Results.Json(StatusMessageView.Of(message), StatusPagesJson.Default.StatusMessageView, statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Responder);
        api.MapPost("/{id}/updates", async (string slug, string id, HttpContext context, CancellationToken ct) =>
        {
            var (body, invalid) = await JsonBody<StatusUpdateRequest>.ReadAsync(context.Request, StatusPagesJson.Default.StatusUpdateRequest, optional: false, ct);
            if (body is null) return invalid!;
            return await PostUpdateAsync(context, slug, id, body, ct) ?? Results.NoContent();
        }).RequireRole(Role.Responder);

        // The dashboard's forms: the same checks, answered with a redirect back to the page (Post/Redirect/Get).
        app.MapPost(DashboardPath + "/{slug}/messages", async (string slug, HttpContext context, CancellationToken ct) =>
        {
            var form = await context.Request.ReadFormAsync(ct);
            var request = new StatusMessageRequest(form["title"], form["body"], form["state"], NullIfEmpty(form["incident"]));
            var (_, problem) = await PostMessageAsync(context, slug, request, ct);
            return Results.Redirect(Back(slug, problem));
        }).RequireRole(Role.Responder);
        app.MapPost(DashboardPath + "/{slug}/messages/{id}/updates", async (string slug, string id, HttpContext context, CancellationToken ct) =>
        {
            var form = await context.Request.ReadFormAsync(ct);
            var problem = await PostUpdateAsync(context, slug, id, new StatusUpdateRequest(form["body"], form["state"]), ct);
            return Results.Redirect(Back(slug, problem));
        }).RequireRole(Role.Responder);
        return app;
    }

    private static async Task<(PublicMessage? Message, IResult? Problem)> PostMessageAsync(HttpContext context, string slug, StatusMessageRequest body,
        CancellationToken ct)
    {
        var services = context.RequestServices;
        var config = services.GetRequiredService<ConfigState>().Current;
        if (config.StatusPages.FirstOrDefault(p => p.Slug == slug) is not { } page) return (null, NoPage(slug));
        if (Text(body.Title, "title", PublicMessage.MaxTitle, out var title) is { } badTitle) return (null, badTitle);
        if (Text(body.Body, "body", PublicMessage.MaxBody, out var text) is { } badBody) return (null, badBody);
        if (State(body.State, out var state) is { } badState) return (null, badState);
        var incident = body.Incident?.Trim();
        if (incident is { Length: > 0 })
        {
            // Only an incident of a monitor the page shows: the link must not tie a public message to something unrelated.
            var linked = await services.GetRequiredService<IMonitoringStore>().IncidentAsync(incident, ct);
            if (linked is null || !page.MonitorNames().Contains(linked.Monitor, StringComparer.Ordinal)) return (null, Bad($"incident: \"{ShortText.Truncate(StoredText.Clean(incident)!, 80)}\" is not an incident of a monitor on status page \"{slug}\""));
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var update = new PublicUpdate(PublicMessage.NewId(), now, state, text, context.Actor(null));
        var message = new PublicMessage(PublicMessage.NewId(), slug, title, incident is { Length: > 0 } ? incident : null, now, now,
            state == PublicMessageState.Resolved ? now : null, state, [update]);
        context.AuditDetail($"{state.ToString().ToLowerInvariant()}: {title}");
        await services.GetRequiredService<IStatusMessageStore>().AddAsync(message, ct);
        services.GetRequiredService<StatusPageSnapshots>().Invalidate();
        return (message, null);
    }

    private static async Task<IResult?> PostUpdateAsync(HttpContext context, string slug, string id, StatusUpdateRequest body, CancellationToken ct)
    {
        var services = context.RequestServices;
        if (!Exists(services.GetRequiredService<ConfigState>(), slug)) return NoPage(slug);
        if (Text(body.Body, "body", PublicMessage.MaxBody, out var text) is { } badBody) return badBody;
        if (State(body.State, out var state) is { } badState) return badState;
        var update = new PublicUpdate(PublicMessage.NewId(), services.GetRequiredService<TimeProvider>().GetUtcNow(), state, text, context.Actor(null));
        context.AuditDetail($"{state.ToString().ToLowerInvariant()}: message {ShortText.Truncate(StoredText.Clean(id)!, 40)}");
        if (!await services.GetRequiredService<IStatusMessageStore>().AddUpdateAsync(slug, id, update, ct))
            return Results.Problem($"status page \"{slug}\" has no message with id \"{ShortText.Truncate(StoredText.Clean(id)!, 40)}\"", statusCode: 404);
        services.GetRequiredService<StatusPageSnapshots>().Invalidate();
        return null;
    }

    /// <summary>Required plain text, cleaned of control characters, refused (not cut) over <paramref name="max"/>.</summary>
    private static IResult? Text(string? value, string field, int max, out string text)
    {
        text = StoredText.Clean(value?.Trim()) ?? "";
        if (text.Length == 0) return Bad($"{field} is required");
        return text.Length > max ? Bad($"{field} has {text.Length} characters; at most {max}") : null;
    }

    private static IResult? State(string? value, out PublicMessageState state)
    {
        state = PublicMessageState.Investigating;
        if (string.IsNullOrWhiteSpace(value)) return null;
        return Enum.TryParse(value.Trim(), ignoreCase: true, out state) && Enum.IsDefined(state) && !int.TryParse(value, out _)
            ? null
            : Bad($"state: \"{ShortText.Truncate(StoredText.Clean(value)!, 40)}\" is not one of investigating, identified, monitoring, resolved");
    }

    private static bool Exists(ConfigState config, string slug) => config.Current.StatusPages.Any(p => p.Slug == slug);

    private static IResult NoPage(string slug) =>
        Results.Problem($"no status page with slug \"{ShortText.Truncate(StoredText.Clean(slug)!, 60)}\" under status_pages:", statusCode: 404);

    private static IResult Bad(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "invalid public message");

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>Back to the dashboard page, saying only whether it worked: the page never repeats text from its address.</summary>
    private static string Back(string slug, IResult? problem) =>
        $"{DashboardPath}?page={Uri.EscapeDataString(slug)}&{(problem is null ? "posted=1" : "refused=1")}";
}

/// <summary>
/// Makes <c>/status/{slug}</c> cheap for a crowd: answers a conditional GET whose ETag matches with 304 before the page
/// renders, and gives every status page response <c>Cache-Control: public</c>, its ETag and Last-Modified.
/// </summary>
internal sealed class StatusPageCaching : IStartupFilter
{
    /// <summary>How long browsers and shared caches may keep a page or feed without asking.</summary>
    public const string CacheControl = "public, max-age=30";

    /// <summary>
    /// How often an open page reloads itself (<c>meta refresh</c>): twice the cache lifetime, so a reload usually
    /// revalidates with the ETag and gets a 304, and a page left open on a wall is never more than about a minute old.
    /// </summary>
    public const int RefreshSeconds = 60;

    /// <summary>Where the page finds the view the headers were made from, so both agree.</summary>
    public static readonly object ViewKey = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, inner) =>
        {
            if (Slug(context.Request) is { } slug
                && await context.RequestServices.GetRequiredService<StatusPageSnapshots>().GetAsync(slug, context.RequestAborted) is { } view)
            {
                context.Items[ViewKey] = view;
                if (NotModified(context, view))
                {
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }
            }
            await inner(context);
        });
        next(app);
    };

    /// <summary>Sets the caching headers for <paramref name="view"/>; true when the request's validators show the caller has it already.</summary>
    public static bool NotModified(HttpContext context, StatusPageView view)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = view.ETag;
        headers.LastModified = view.LastModified.ToString("R");
        var request = context.Request.GetTypedHeaders();
        if (request.IfNoneMatch is { Count: > 0 } tags) return tags.Any(t => t.Tag == view.ETag || t.Tag == "*");
        return request.IfModifiedSince is { } since && view.LastModified <= since;
    }

    private static string? Slug(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return null;
        var path = request.Path.Value;
        const string Prefix = "/status/";
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var slug = path[Prefix.Length..];
        return slug.Length is > 0 and <= 60 && !slug.Contains('/', StringComparison.Ordinal) ? slug : null;
    }
}
