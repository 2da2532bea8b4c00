using System.Net;
using System.Text.Json;
using Ballast.Core.Security;
using Ballast.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Server.Tests;

/// <summary>The incident page's form endpoints: responders only, antiforgery required, the same effect as the API.</summary>
public sealed class IncidentFormTests : IAsyncLifetime
{
    private TestWebServer _target = null!;

    public async ValueTask InitializeAsync() =>
        _target = await TestWebServer.StartAsync(app => app.MapGet("/health", () => Results.StatusCode(503)));

    private static FormUrlEncodedContent Form(string? token, params (string, string)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2))
            .Concat(token is null ? [] : [KeyValuePair.Create("__RequestVerificationToken", token)]));

    [Fact]
    public async Task AckAndSilenceForms_ResponderWithToken_SeeOtherBack_AndStoreWhatTheApiWould_OthersRefused()
    {
        await using var server = await ServerHarness.StartAsync($$"""
              - { name: api, type: http, url: "{{_target.Url("/health")}}", interval: 1s, retry_interval: 200ms, failure_threshold: 2 }
            """);
        var open = await server.EventuallyAsync("/api/v1/incidents?open=true", l => l.GetArrayLength() == 1);
        var id = open[0].GetProperty("id").GetString()!;
        await server.CreateUserAsync("victor", Role.Viewer, "correct-horse-battery");
        await server.CreateUserAsync("rita", Role.Responder, "correct-horse-battery");
        var (viewer, viewerToken) = await server.LoginAsync("victor", "correct-horse-battery");
        var (responder, token) = await server.LoginAsync("rita", "correct-horse-battery", followRedirects: false);
        using (viewer)
        using (responder)
        {
            using (var refused = await viewer.PostAsync($"/incidents/{id}/ack", Form(viewerToken)))
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using (var forged = await responder.PostAsync($"/incidents/{id}/ack", Form(null)))
                Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
            Assert.Equal(JsonValueKind.Null, (await server.GetJsonAsync("/api/v1/incidents"))[0].GetProperty("acknowledgedBy").ValueKind);

            using (var acked = await responder.PostAsync($"/incidents/{id}/ack", Form(token)))
            {
                Assert.Equal(HttpStatusCode.SeeOther, acked.StatusCode);
                Assert.Equal($"/incidents/{id}?done=acknowledged", acked.Headers.Location?.OriginalString);
            }
            Assert.Equal("rita", (await server.GetJsonAsync("/api/v1/incidents"))[0].GetProperty("acknowledgedBy").GetString());
            using (var again = await responder.PostAsync($"/incidents/{id}/ack", Form(token)))
                Assert.Equal($"/incidents/{id}?done=acknowledged", again.Headers.Location?.OriginalString); // still open: acknowledging again is harmless, as in the API

            using (var badLength = await responder.PostAsync($"/incidents/{id}/silence", Form(token, ("for", "99y"))))
                Assert.Equal($"/incidents/{id}?done=bad-length", badLength.Headers.Location?.OriginalString);
            using (var silenced = await responder.PostAsync($"/incidents/{id}/silence", Form(token, ("for", "1h"), ("reason", "deploying the fix"))))
                Assert.Equal($"/incidents/{id}?done=silenced", silenced.Headers.Location?.OriginalString);
            var silence = Assert.Single((await server.GetJsonAsync("/api/v1/silences?active=true")).EnumerateArray());
            Assert.Equal(("api", "rita", "deploying the fix"),
                (silence.GetProperty("match").GetString(), silence.GetProperty("createdBy").GetString(), silence.GetProperty("reason").GetString()));

            using (var unknown = await responder.PostAsync("/incidents/no-such/silence", Form(token, ("for", "1h"))))
                Assert.Equal("/incidents/no-such?done=not-found", unknown.Headers.Location?.OriginalString);
        }
        var audit = await server.GetJsonAsync("/api/v1/audit?since=1h");
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "POST /incidents/{id}/ack" && e.GetProperty("who").GetString() == "rita"
                                                      && e.GetProperty("detail").GetString() == "by rita");
    }

    public async ValueTask DisposeAsync() => await _target.DisposeAsync();
}
