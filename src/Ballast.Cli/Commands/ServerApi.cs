using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Ballast.Core.Config;
using Ballast.Core.Security;

namespace Ballast.Cli.Commands;

/// <summary>An answer of the server: the typed body on success, else the problem's detail.</summary>
internal readonly record struct ApiAnswer<T>(int Status, T? Body, string? Detail);

/// <summary>An RFC 7807 problem as the server's <c>Results.Problem</c> writes it.</summary>
internal sealed record ApiProblem(string? Title, string? Detail, int? Status);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApiProblem))]
internal sealed partial class ApiProblemJson : JsonSerializerContext;

/// <summary>
/// Calls the running server's API (at the config's <c>server.listen</c>) for the verbs that change its state, with
/// <c>BALLAST_TOKEN</c> as Bearer when set, else the local credential when this user can read it.
/// </summary>
internal static class ServerApi
{
    /// <summary>A call without a body; see <see cref="CallAsync{TRequest, TResponse}"/>.</summary>
    public static Task<ApiAnswer<TResponse>?> CallAsync<TResponse>(BallastConfig config, HttpMethod method, string path,
        JsonTypeInfo<TResponse>? response, string verb, CancellationToken cancellationToken) =>
        CallAsync<object, TResponse>(config, method, path, null, null, response, verb, cancellationToken);

    /// <summary>
    /// The answer, read with the same contract type the server wrote it with (none for an answer without a body),
    /// or null after printing why the server could not be reached.
    /// </summary>
    public static async Task<ApiAnswer<TResponse>?> CallAsync<TRequest, TResponse>(BallastConfig config, HttpMethod method, string path,
        TRequest? body, JsonTypeInfo<TRequest>? request, JsonTypeInfo<TResponse>? response, string verb, CancellationToken cancellationToken)
    {
        // A verb makes one call and the process ends: there is no pool to keep and no DNS change to follow, which is
        // what the long-lived components get their clients from IHttpClientFactory for.
        using var http = new HttpClient { BaseAddress = config.Server.Listen, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var message = new HttpRequestMessage(method, path) { Content = body is null || request is null ? null : JsonContent.Create(body, request) };
            if (LocalCredential.Authorize(message, config) is { } refused)
            {
                Console.Error.WriteLine($"ballast {verb}: {refused}");
                return new ApiAnswer<TResponse>(0, default, refused);
            }
            using var answer = await http.SendAsync(message, cancellationToken);
            var text = await answer.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)answer.StatusCode;
            if (answer.IsSuccessStatusCode)
                return new ApiAnswer<TResponse>(status, text.Length == 0 || response is null ? default : JsonSerializer.Deserialize(text, response), null);
            return new ApiAnswer<TResponse>(status, default, Detail(text));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"ballast {verb}: cannot reach the Ballast server at {config.Server.Listen}: {e.Message}");
            return null;
        }
        catch (JsonException e)
        {
            Console.Error.WriteLine($"ballast {verb}: the Ballast server at {config.Server.Listen} answered {path} with JSON this CLI does not understand: {e.Message}");
            return null;
        }
    }

    /// <summary>Prints a refused answer's detail and maps the status to an exit code.</summary>
    public static int Refused<T>(string verb, ApiAnswer<T> answer)
    {
        Console.Error.WriteLine(answer.Status switch
        {
            0 => $"ballast {verb}: nothing was sent",
            401 => $"ballast {verb}: {answer.Detail} (set {LocalCredential.TokenVariable} to an API token: ballast token create)",
            _ => $"ballast {verb}: {answer.Detail}",
        });
        return answer.Status switch
        {
            0 or 401 or 403 => ExitCodes.AccessDenied,
            404 => ExitCodes.NotFound,
            400 => ExitCodes.ConfigInvalid,
            _ => ExitCodes.ServerFailed,
        };
    }

    /// <summary>A problem's detail; a body that is not a problem (a proxy's page, say) as it came.</summary>
    private static string Detail(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, ApiProblemJson.Default.ApiProblem)?.Detail ?? text;
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
