using System.CommandLine;

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
            var answer = await ServerApi.CallAsync(loaded, HttpMethod.Post, $"/api/v1/incidents/{Uri.EscapeDataString(parse.GetValue(incident)!)}/ack",
                new { by = parse.GetValue(by) }, "ack", ct);
            if (answer is not { } a) return ExitCodes.Unreachable;
            if (a.Status != 200) return ServerApi.Refused("ack", a.Status, a.Body);
            Console.WriteLine($"acknowledged {a.Body.GetProperty("id").GetString()} ({a.Body.GetProperty("monitor").GetString()}: " +
                              $"{a.Body.GetProperty("cause").GetString()}) by {a.Body.GetProperty("acknowledgedBy").GetString()}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
