using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Server.Tests;

public sealed class HeartbeatApiTests
{
    private const string Monitors = """
          - name: backup
            type: heartbeat
            period: 1h
            token: b4ckup-push-t0ken-01
        """;

    private static string State(JsonElement list) => list[0].GetProperty("state").GetString()!;

    [Fact]
    public async Task Push_SuccessFailAndExitCode_MoveTheMonitor()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);

        var ok = await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01", null);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("OK\n", await ok.Content.ReadAsStringAsync());
        await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "UP");

        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/fail", new StringContent("disk full"));
        var down = await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "DOWN");
        Assert.Equal("job reported failure: disk full", down[0].GetProperty("lastError").GetString());

        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/start", null);
        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/0", null);
        await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "UP");

        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/3?msg=pg_dump%20failed", null);
        var code = await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "DOWN");
        Assert.Equal("job exited with code 3: pg_dump failed", code[0].GetProperty("lastError").GetString());
        await server.EventuallyAsync("/api/v1/incidents", l => l.GetArrayLength() == 2);
        Assert.Single((await server.GetJsonAsync("/api/v1/incidents?open=true")).EnumerateArray());
    }

    [Fact]
    public async Task Push_FailMessageWithNul_StoredWithAReplacementAndLaterResultsStillWritten()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var server = await ServerHarness.StartAsync(Monitors, storage: database.ToString());

        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/fail?msg=dump%00failed", null);
        await server.EventuallyAsync("/api/v1/monitors", l => State(l) == "DOWN");
        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01", null);

        // PostgreSQL refuses NUL; cleaned where it came in, both results reach the database and nothing waits behind them.
        var results = await server.EventuallyAsync("/api/v1/monitors/backup/results", l => l.GetArrayLength() == 2);
        Assert.Equal("job reported failure: dump\uFFFDfailed", results[0].GetProperty("cause").GetString());
        var stats = await server.EventuallyAsync("/api/v1/stats", s => s.GetProperty("writer").GetProperty("pending").GetInt64() == 0);
        Assert.Equal(0, stats.GetProperty("writer").GetProperty("setAside").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Ack_OpenIncident_RecordsWhoAndWhen_UnknownIs404()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);
        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/fail", null);
        var open = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var id = open[0].GetProperty("id").GetString();

        var ack = await server.Client.PostAsync($"/api/v1/incidents/{id}/ack", JsonContent.Create(new { by = "alice" }));
        var unknown = await server.Client.PostAsync("/api/v1/incidents/nope/ack", JsonContent.Create(new { by = "alice" }));

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var listed = (await server.GetJsonAsync("/api/v1/incidents?open=true"))[0];
        Assert.Equal("harness-admin", listed.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(JsonValueKind.String, listed.GetProperty("acknowledgedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Silences_AddListExpire()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);

        var created = await server.Client.PostAsync("/api/v1/silences", JsonContent.Create(new { match = "back*", @for = "2h", reason = "restore test", by = "bob" }));
        var bad = await server.Client.PostAsync("/api/v1/silences", JsonContent.Create(new { match = "x", @for = "soon", reason = "r" }));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var active = await server.GetJsonAsync("/api/v1/silences?active=true");
        Assert.Equal(("back*", "harness-admin", true), (active[0].GetProperty("match").GetString(), active[0].GetProperty("createdBy").GetString(), active[0].GetProperty("active").GetBoolean()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.PostAsync($"/api/v1/silences/{id}/expire", null)).StatusCode);
        Assert.Empty((await server.GetJsonAsync("/api/v1/silences?active=true")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync($"/api/v1/silences/{id}/expire", null)).StatusCode);
    }

    [Fact]
    public async Task Maintenance_OpenWindow_ShowsMaintenanceState()
    {
        var start = TimeProvider.System.GetUtcNow().AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        await using var server = await ServerHarness.StartAsync(Monitors, $"maintenance: [ {{ name: restore-drill, monitors: [backup], start: \"{start}\", duration: 1h }} ]");

        await server.Client.PostAsync("/api/push/b4ckup-push-t0ken-01/fail", null);
        await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);

        Assert.Equal("MAINTENANCE", State(await server.GetJsonAsync("/api/v1/monitors")));
    }

    [Fact]
    public async Task Push_UnknownToken_Is404()
    {
        await using var server = await ServerHarness.StartAsync(Monitors);

        var response = await server.Client.PostAsync("/api/push/backup", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("UNKNOWN", State(await server.GetJsonAsync("/api/v1/monitors")));
    }
}
