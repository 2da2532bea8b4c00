using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Server.Hosting;
using Ballast.Server.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// The whole endpoint table of a running server: every route not public on purpose refuses a caller without
/// credentials and one whose role is one too small, and the table matches docs/security.md.
/// </summary>
public sealed partial class AccessTests
{
    private const string Monitors = """
          - name: backup
            type: heartbeat
            period: 1h
            token: b4ckup-push-t0ken-01
        """;

    private sealed record Route(string Method, string Pattern, string Access);

    private static Route[] RoutesOf(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => new Route(m, Access.PatternOf(e),
                e.Metadata.GetMetadata<PublicRouteAttribute>() is not null ? "public" : e.Metadata.GetMetadata<RequiredRoleAttribute>()?.Role.Name() ?? "undeclared")))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToArray();

    /// <summary>A concrete path for a route pattern: each parameter filled with a dummy (a number where it must be one).</summary>
    private static string PathOf(string pattern) => Parameter().Replace(pattern, m => m.Value.Contains(":int", StringComparison.Ordinal) ? "7" : "dummy");

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();

    [Fact]
    public async Task EveryRoute_NotPublic_Answers401WithoutCredentialsAnd403WithARoleOneTooSmall()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var routes = RoutesOf(server.Services);
        Assert.Contains(routes, r => r.Access == "admin" || r.Access == "deployer");
        using var anonymous = server.NewClient();
        var tooSmall = new Dictionary<Role, HttpClient>();
        foreach (var role in Roles.All.Where(r => r > Role.Viewer))
            tooSmall[role] = server.NewClient(await server.CreateTokenAsync($"below-{role.Name()}", role - 1));

        var failures = new List<string>();
        foreach (var route in routes.Where(r => r.Access != "public"))
        {
            Assert.True(Roles.TryParse(route.Access, out var role), $"{route.Method} {route.Pattern} declares no role");
            var path = PathOf(route.Pattern);
            HttpRequestMessage Request() => new(new HttpMethod(route.Method), path)
            {
                Content = route.Method is "POST" or "PUT" or "PATCH" ? new StringContent("{}", Encoding.UTF8, "application/json") : null,
            };
            using (var request = Request())
            using (var answer = await anonymous.SendAsync(request))
                if (answer.StatusCode != HttpStatusCode.Unauthorized) failures.Add($"{route.Method} {path} without credentials: {(int)answer.StatusCode}");
            if (role == Role.Viewer) continue; // no role is below viewer; a token of none is the anonymous case above
            using (var request = Request())
            using (var answer = await tooSmall[role].SendAsync(request))
                if (answer.StatusCode != HttpStatusCode.Forbidden) failures.Add($"{route.Method} {path} as {role - 1}: {(int)answer.StatusCode}");
        }
        foreach (var client in tooSmall.Values) client.Dispose();

        Assert.Empty(failures);
    }

    [Fact]
    public async Task AnonymousRead_NoCredentialReadsEveryViewerRoute_ChangesNothing_WrongCredentialStillRefused()
    {
        await using var server = await ServerHarness.StartAsync(Monitors, serverYaml: "anonymous_read: true");
        using var anonymous = server.NewClient();
        using var wrong = server.NewClient("blt_not-a-token-this-server-made");

        var failures = new List<string>();
        foreach (var route in RoutesOf(server.Services).Where(r => r.Access != "public"))
        {
            var path = PathOf(route.Pattern);
            // A viewer route reads (404 for the dummy names is a read that found nothing); every other one is refused.
            HttpStatusCode[] expected = route.Access == "viewer" ? [HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.NoContent]
                : [HttpStatusCode.Forbidden];
            using (var request = new HttpRequestMessage(new HttpMethod(route.Method), path)
                   { Content = route.Method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null })
            // Headers only: the event stream's body never ends, and the status says all this test asks.
            using (var answer = await anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
                if (!expected.Contains(answer.StatusCode)) failures.Add($"{route.Method} {path} anonymously: {(int)answer.StatusCode}");
            if (route.Method != "GET") continue;
            using (var answer = await wrong.GetAsync(path))
                if (answer.StatusCode != HttpStatusCode.Unauthorized) failures.Add($"GET {path} with a wrong token: {(int)answer.StatusCode}");
        }
        Assert.Empty(failures);

        var session = await anonymous.GetFromJsonAsync("/api/v1/session", SessionJson.Default.SessionView);
        Assert.Equal(("anonymous", "viewer"), (session!.Name, session.Role));
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsync("/api/v1/silences", new StringContent("""{"match":"*","for":"1h","reason":"x"}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Empty((await server.GetJsonAsync("/api/v1/silences")).EnumerateArray());
    }

    [Fact]
    public async Task RouteTable_EqualsTheDocumentedTable_PublicOnesExactlyTheCodesList()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        var routes = RoutesOf(server.Services);
        var documented = DocumentedRoutes();

        var table = string.Join("\n", routes.Select(r => $"| {r.Method} | `{r.Pattern}` | {r.Access} |"));
        Assert.True(routes.SequenceEqual(documented), $"docs/security.md's Routes table differs from the server's; the server has:\n{table}");
        Assert.Equal(Access.PublicRoutes.Select(p => new Route(p.Method, p.Pattern, "public")).Order(RouteOrder.Instance),
            routes.Where(r => r.Access == "public").Order(RouteOrder.Instance));
    }

    [Fact]
    public async Task Start_RouteThatDeclaresNoAccess_RefusedNamingIt()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ballast.yaml", """
            server: { listen: "http://127.0.0.1:0", storage: "sqlite:ballast.db" }
            monitors: []
            """);
        await using var app = BallastServer.Build(ConfigLoader.Load(path).Require(), configureLogging: _ => { });
        app.MapGet("/api/v1/forgotten", () => "open to anyone");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("route GET /api/v1/forgotten declares no access", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PublicRouteNotOnTheList_Refused()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ballast.yaml", """
            server: { listen: "http://127.0.0.1:0", storage: "sqlite:ballast.db" }
            monitors: []
            """);
        await using var app = BallastServer.Build(ConfigLoader.Load(path).Require(), configureLogging: _ => { });
        app.MapPost("/api/v1/backdoor", () => "open").Public();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("route POST /api/v1/backdoor is marked public but is not in Access.PublicRoutes", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The rows of the table under "## Routes" in docs/security.md.</summary>
    private static Route[] DocumentedRoutes()
    {
        var lines = File.ReadAllLines(Repository.Path("docs", "security.md"));
        var start = Array.FindIndex(lines, l => l.Trim() == "## Routes");
        Assert.True(start >= 0, "docs/security.md has no '## Routes' section");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| Method", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(c => new Route(c[1], c[2].Trim('`'), c[3]))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToArray();
    }

    private sealed class RouteOrder : IComparer<Route>
    {
        public static readonly RouteOrder Instance = new();

        public int Compare(Route? x, Route? y) =>
            string.CompareOrdinal(x!.Pattern, y!.Pattern) is var c and not 0 ? c : string.CompareOrdinal(x.Method, y.Method);
    }
}
