using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ballast.Core.Logs;
using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary><c>POST /api/v1/logs/{source}</c> on a real server: NDJSON and text lines, bad input, unknown sources, roles.</summary>
public sealed class LogPushTests
{
    private const string Monitors = """
          - name: backup
            type: heartbeat
            period: 1h
        """;

    private const string Sources = """
        logs:
          sources:
            - name: checkout
              labels: { team: payments }
            - name: files
              file: /var/log/none-here/*.log
        """;

    private readonly LineCollector _seen = new();

    private Task<ServerHarness> StartAsync() => ServerHarness.StartAsync(Monitors, Sources, configureServices: s => s.AddSingleton<ILogObserver>(_seen));

    private static StringContent Body(string text, string type) => new(text, new MediaTypeHeaderValue(type));

    [Fact]
    public async Task Push_NdjsonAndText_EveryLineReachesObserversWithTheSourcesLabels()
    {
        await using var server = await StartAsync();
        var pusher = server.NewClient(await server.CreateTokenAsync("shipper", Role.Responder));

        var ndjson = await pusher.PostAsync("/api/v1/logs/checkout",
            Body("{\"msg\":\"Starting Nest application\",\"level\":\"info\"}\n\n{\"message\":\"db down\",\"level\":\"error\",\"ctx\":{\"db\":\"orders\"}}\n", "application/x-ndjson"));
        var text = await pusher.PostAsync("/api/v1/logs/checkout", Body("plain one\r\nplain two", "text/plain"));

        Assert.Equal(HttpStatusCode.OK, ndjson.StatusCode);
        Assert.Equal("{\"source\":\"checkout\",\"accepted\":2}", await ndjson.Content.ReadAsStringAsync());
        Assert.Equal("{\"source\":\"checkout\",\"accepted\":2}", await text.Content.ReadAsStringAsync());
        Assert.Equal(["{\"msg\":\"Starting Nest application\",\"level\":\"info\"}", "{\"message\":\"db down\",\"level\":\"error\",\"ctx\":{\"db\":\"orders\"}}",
            "plain one", "plain two"], _seen.Texts);
        Assert.Equal("orders", _seen.Lines[1].Json!.Value.GetProperty("ctx").GetProperty("db").GetString());
        Assert.All(_seen.Lines, l => Assert.Equal(("checkout", "payments"), (l.Source, l.Labels["team"])));
        var sources = await server.GetJsonAsync("/api/v1/logs/sources");
        var checkout = sources.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "checkout");
        Assert.Equal(("push", 4), (checkout.GetProperty("kind").GetString(), checkout.GetProperty("lines").GetInt64()));
    }

    [Fact]
    public async Task Push_LinesStateTheirTime_RulesSeeIt_ButATimeFarAheadIsTakenAsNow()
    {
        await using var server = await StartAsync();
        var before = TimeProvider.System.GetUtcNow();

        var pushed = await server.Client.PostAsync("/api/v1/logs/checkout", Body(
            "2026-11-29T03:12:45.123Z INFO Starting Nest application\n{\"time\":4102444800000,\"msg\":\"dated 2100\"}\n", "text/plain"));

        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 3, 12, 45, 123, TimeSpan.Zero), _seen.Lines[0].Time);
        Assert.InRange(_seen.Lines[1].Time, before, TimeProvider.System.GetUtcNow());
    }

    [Fact]
    public async Task Push_BadLine_400NamesTheLineAndNothingIsAccepted()
    {
        await using var server = await StartAsync();

        var broken = await server.Client.PostAsync("/api/v1/logs/checkout", Body("{\"msg\":\"fine\"}\n{\"msg\": oops}\n", "application/x-ndjson"));
        var array = await server.Client.PostAsync("/api/v1/logs/checkout", Body("{\"msg\":\"fine\"}\n[1,2]\n", "application/x-ndjson"));
        var form = await server.Client.PostAsync("/api/v1/logs/checkout", Body("a=b", "application/x-www-form-urlencoded"));
        var tooLong = await server.Client.PostAsync("/api/v1/logs/checkout", Body("ok\n" + new string('x', 70_000) + "\n", "text/plain"));

        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("line 2: not JSON at column 9", Detail(await broken.Content.ReadAsStringAsync()));
        Assert.Contains("line 2: expected a JSON object", Detail(await array.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("line 2 is longer than 64 KB", Detail(await tooLong.Content.ReadAsStringAsync()));
        Assert.Empty(_seen.Lines);
    }

    [Fact]
    public async Task Push_UnknownOrFileSource_404WithSuggestionOr409()
    {
        await using var server = await StartAsync();

        var typo = await server.Client.PostAsync("/api/v1/logs/chekout", Body("x", "text/plain"));
        var file = await server.Client.PostAsync("/api/v1/logs/files", Body("x", "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, typo.StatusCode);
        Assert.Contains("no log source \"chekout\" takes pushes; did you mean \"checkout\"?", Detail(await typo.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Conflict, file.StatusCode);
        Assert.Empty(_seen.Lines);
    }

    [Fact]
    public async Task Push_ViewerToken_Forbidden()
    {
        await using var server = await StartAsync();
        var viewer = server.NewClient(await server.CreateTokenAsync("reader", Role.Viewer));

        var refused = await viewer.PostAsync("/api/v1/logs/checkout", Body("x", "text/plain"));
        var anonymous = await server.Stranger.PostAsync("/api/v1/logs/checkout", Body("x", "text/plain"));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Empty(_seen.Lines);
    }

    private static string Detail(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!;
}
