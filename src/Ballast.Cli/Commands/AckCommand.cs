using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast ack INCIDENT</c>: tells the running server someone has the incident; reminders stop.</summary>
internal static class AckCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var incident = new Argument<string>("incident") { Description = "Incident id (GET /api/v1/incidents?open=true lists them)" };
        var by = new Option<string>("--by") { Description = "Who takes it", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("ack", "Acknowledge an open incident: no more reminders for it") { incident, by, config };
        command.SetAction(async (parse, ct) =>
        {
            var loaded = ConfigOption.Load(parse.GetValue(config)!);
            if (loaded is null) return ExitCodes.ConfigInvalid;
            var server = loaded.Server.Listen;
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsJsonAsync($"/api/v1/incidents/{Uri.EscapeDataString(parse.GetValue(incident)!)}/ack",
                    new { by = parse.GetValue(by) }, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Console.Error.WriteLine($"ballast ack: cannot reach the Ballast server at {server}: {e.Message}");
                return ExitCodes.Unreachable;
            }
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    Console.Error.WriteLine($"ballast ack: {JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()}");
                    return ExitCodes.NotFound;
                }
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"ballast ack: the server answered {(int)response.StatusCode}: {body}");
                    return ExitCodes.ServerFailed;
                }
                var view = JsonDocument.Parse(body).RootElement;
                Console.WriteLine($"acknowledged {view.GetProperty("id").GetString()} ({view.GetProperty("monitor").GetString()}: {view.GetProperty("cause").GetString()}) by {view.GetProperty("acknowledgedBy").GetString()}");
                return ExitCodes.Ok;
            }
        });
        return command;
    }
}
