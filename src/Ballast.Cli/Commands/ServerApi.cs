using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Core.Config;

namespace Ballast.Cli.Commands;

/// <summary>Calls the running server's API (at the config's <c>server.listen</c>) for the verbs that change its state.</summary>
internal static class ServerApi
{
    /// <summary>The answer, or null after printing why the server could not be reached.</summary>
    public static async Task<(int Status, JsonElement Body)?> CallAsync(BallastConfig config, HttpMethod method, string path, object? body,
        string verb, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = config.Server.Listen, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"ballast {verb}: cannot reach the Ballast server at {config.Server.Listen}: {e.Message}");
            return null;
        }
    }

    /// <summary>Prints a problem answer's detail and maps the status to an exit code.</summary>
    public static int Refused(string verb, int status, JsonElement body)
    {
        var detail = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("detail", out var d) ? d.GetString() : body.ToString();
        Console.Error.WriteLine($"ballast {verb}: {detail}");
        return status switch
        {
            404 => ExitCodes.NotFound,
            400 => ExitCodes.ConfigInvalid,
            _ => ExitCodes.ServerFailed,
        };
    }
}
