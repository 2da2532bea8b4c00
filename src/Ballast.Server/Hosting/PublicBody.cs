using Ballast.Core.Monitoring;
using Microsoft.AspNetCore.Http.Features;

namespace Ballast.Server.Hosting;

/// <summary>
/// The body of a request to a public endpoint (push URLs, Ballast's own <c>/health/*</c>): anyone who reaches the
/// listener may send it, so it is bounded before it is held in memory (413 naming the limit), read as UTF-8 with
/// invalid bytes replaced, and cleaned of control characters (<see cref="StoredText"/>) before anything keeps it.
/// </summary>
internal readonly record struct PublicBody(string? Text, IResult? Problem)
{
    /// <summary>The most a push may carry: its message is cut to 2,000 characters, and a job's log tail fits.</summary>
    public const long PushLimit = 16 * 1024;

    /// <summary>The body as text (null when there is none), or the problem to answer.</summary>
    public static async Task<PublicBody> ReadTextAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit) return TooLarge(request, limit);
        if (request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }) return default;
        // Kestrel then stops a body sent without a length (chunked) at the limit too, instead of reading all of it.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max) max.MaxRequestBodySize = limit;
        try
        {
            using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            return new(StoredText.Clean(text), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(request, limit);
        }
        catch (BadHttpRequestException e)
        {
            return new(null, Results.Problem($"the body of {request.Method} {request.Path} could not be read: {e.Message}",
                statusCode: e.StatusCode, title: "unreadable request body"));
        }
    }

    /// <summary>A 413 for any body at all, for endpoints that take none (<c>/health/*</c>); null when there is none.</summary>
    public static IResult? RefuseAny(HttpRequest request) =>
        request.ContentLength > 0 || request.ContentLength is null && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true }
            ? Results.Problem($"{request.Method} {request.Path} takes no request body", statusCode: StatusCodes.Status413PayloadTooLarge, title: "request body too large")
            : null;

    private static PublicBody TooLarge(HttpRequest request, long limit) => new(null, Results.Problem(
        $"the body of {request.Method} {request.Path} is larger than {limit / 1024} KB, the most this endpoint takes",
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "request body too large"));
}
