using Ballast.Testing;
using System.Net;
using System.Net.Http.Json;
using Ballast.Core.Deploy;
using Ballast.Server.Alerting;
using Ballast.Server.Hosting;
using Ballast.Server.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>The API's answers read back with the contract types the CLI reads them with.</summary>
public class ApiContractTests
{
    private const string Monitor = """
          - { name: api, type: tcp, target: "127.0.0.1:9", interval: 1h }
        """;

    [Fact]
    public async Task Deploys_ReadBackAsTheRecordsStored_OutcomesByNameLikeHistoryJson()
    {
        await using var server = await ServerHarness.StartAsync(Monitor);
        var store = server.Services.GetRequiredService<IDeployStore>();
        var started = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        var record = new DeployRecord
        {
            Service = "api", Release = "api.7", StartedAt = started, FinishedAt = started.AddSeconds(42), Who = "ci", EnvNames = ["DATABASE_URL"],
            Steps = [new DeployStep("verify", StepOutcome.Passed, started.AddSeconds(40), TimeSpan.FromSeconds(2), "3 checks passed")],
        };
        var id = await store.AddAsync(record, CancellationToken.None);
        await store.UpdateAsync(record with { Id = id, Outcome = DeployOutcome.Deployed }, CancellationToken.None);

        var text = await server.Client.GetStringAsync("/api/v1/services/api/deploys");
        var read = Assert.Single((await server.Client.GetFromJsonAsync("/api/v1/services/api/deploys", DeployJson.Default.IReadOnlyListDeployRecord))!);

        Assert.Contains("\"outcome\":\"Deployed\"", text, StringComparison.Ordinal);
        Assert.Equal((id, "api.7", DeployOutcome.Deployed, started.AddSeconds(42)), (read.Id, read.Release, read.Outcome, read.FinishedAt));
        Assert.Equal(record.Steps, read.Steps);
        Assert.Equal(["DATABASE_URL"], read.EnvNames);
    }

    [Fact]
    public async Task Views_ReadBackWithTheirContracts()
    {
        await using var server = await ServerHarness.StartAsync(Monitor);

        var ready = await server.Client.GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync(HealthJson.Default.HealthView);
        var monitors = await server.Client.GetFromJsonAsync("/api/v1/monitors", MonitoringJson.Default.IReadOnlyListMonitorSummary);
        var stats = await server.Client.GetFromJsonAsync("/api/v1/stats", MonitoringJson.Default.StatsView);
        var created = await server.Client.PostAsJsonAsync("/api/v1/silences", new SilenceRequest("api-*", "2h", null, "maintenance", "ops"),
            AlertingJson.Default.SilenceRequest);
        var silence = await created.Content.ReadFromJsonAsync(AlertingJson.Default.SilenceView);

        Assert.Equal("application/health+json", ready.Content.Headers.ContentType?.MediaType);
        Assert.Contains("storage:writes", health!.Checks!.Keys);
        Assert.Equal("pass", health.Checks["storage:writes"][0].Status);
        Assert.Equal("api", Assert.Single(monitors!).Name);
        Assert.Equal(0, stats!.Writer.SetAside);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/silences/{silence!.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal(("api-*", "harness-admin", true), (silence.Match, silence.CreatedBy, silence.Active));
    }

    [Fact]
    public async Task MalformedBodies_Answer400NamingTheField_NeverA500()
    {
        await using var server = await ServerHarness.StartAsync(Monitor);

        async Task<(HttpStatusCode Status, string? Detail)> Post(string path, string body)
        {
            using var response = await server.Client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? null : System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
        }

        var badDate = await Post("/api/v1/silences", """{"match":"api-*","reason":"db move","endsAt":"tomorrow"}""");
        var badType = await Post("/api/v1/incidents/i1/ack", """{"by":42}""");
        var notJson = await Post("/api/v1/silences", """{"match":"api-*","reason": }""");
        var noBody = await Post("/api/v1/silences", "");
        var noRelease = await Post("/api/v1/services/api/rollouts", """{"env":{}}""");
        var badEnv = await Post("/api/v1/services/api/rollouts", """{"release":"api.7","env":["A=1"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, badDate.Status);
        Assert.StartsWith("endsAt: expected a date and time such as 2026-11-29T16:00:00Z (line 1, byte ", badDate.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badType.Status);
        Assert.StartsWith("by: expected a string (line 1, byte ", badType.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        Assert.StartsWith("reason: not valid JSON (line 1, byte ", notJson.Detail, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, "the request has no body: send a JSON object (fields: match, for, endsAt, reason, by)"), noBody);
        Assert.Equal((HttpStatusCode.BadRequest, "the body lacks required fields: 'release'"), noRelease);
        Assert.Equal(HttpStatusCode.BadRequest, badEnv.Status);
        Assert.StartsWith("env: expected an object of strings", badEnv.Detail, StringComparison.Ordinal);
        // An acknowledgement may come without a body.
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync("/api/v1/incidents/i1/ack", null)).StatusCode);
    }
}
