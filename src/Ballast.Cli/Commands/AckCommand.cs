using System.CommandLine;
using Ballast.Server.Monitoring;

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
        ConfigOption.SetAction(command, config, async (loaded, parse, ct) =>
        {
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Post, $"/api/v1/incidents/{Uri.EscapeDataString(parse.GetValue(incident)!)}/ack",
                new AckRequest(parse.GetValue(by)), MonitoringJson.Default.AckRequest, MonitoringJson.Default.IncidentView, "ack", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 200 || a.Body is not { } acked) return ServerApi.Refused("ack", a);
            Console.WriteLine($"acknowledged {acked.Id} ({acked.Monitor}: {acked.Cause}) by {acked.AcknowledgedBy}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
