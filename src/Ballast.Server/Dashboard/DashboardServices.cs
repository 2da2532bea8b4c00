using Ballast.Core.Monitoring;
using Ballast.Core.Security;
using Ballast.Server.Dashboard.Live;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ballast.Server.Dashboard.Components;
using Ballast.Server.Security;

namespace Ballast.Server.Dashboard;

/// <summary>
/// The web dashboard: Razor components rendered on the server (static SSR, no WebAssembly, no circuit), their assets,
/// and the login form. Every page declares who may see it with <c>@attribute [RequiredRole(...)]</c> or
/// <c>[PublicRoute]</c>, like every other route (<see cref="Security.AccessCheck"/>).
/// </summary>
public static class DashboardServices
{
    private const string OpaqueRedirect = "/_framework/opaque-redirect";

    public static IServiceCollection AddBallastDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.TryAddSingleton<DailyUptime>();
        // Live updates: told by the engine after the planner (registered before), and by acknowledgements.
        services.TryAddSingleton<LiveUpdates>();
        services.AddSingleton<IMonitorStateListener>(sp => sp.GetRequiredService<LiveUpdates>());
        services.AddSingleton<IIncidentListener>(sp => sp.GetRequiredService<LiveUpdates>());
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapDashboardAssets();
        app.MapLoginForm();
        app.MapIncidentForms();
        app.MapRazorComponents<App>().Add(endpoint =>
        {
            // The framework's own route for enhanced navigation's redirects: the pages never use it (no framework script),
            // so it is kept for signed-in viewers rather than listed as public.
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: OpaqueRedirect }) endpoint.Metadata.Add(new RequiredRoleAttribute(Role.Viewer));
        });
        return app;
    }
}
