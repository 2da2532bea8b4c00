using Ballast.Core;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;

namespace Ballast.Server.Hosting;

/// <summary>
/// A request body read with its contract's source-generated type (the same one the CLI writes it with). A body that
/// does not fit is the caller's mistake: it answers 400 with what is wrong and where ("endsAt: expected a date and
/// time such as 2026-11-29T16:00:00Z"), never a 500 or an empty 400. Only a JSON body is read: a form or
/// <c>text/plain</c> body, which a browser sends cross-site without asking first, is never taken for one (antiforgery,
/// see <c>SecurityServices</c>, is what stops a cross-site request riding a session cookie).
/// </summary>
internal readonly record struct JsonBody<T>(T? Value, IResult? Problem)
{
    private const long MaxBytes = 1 << 20;

    /// <summary>The body, or the problem to answer; with <paramref name="optional"/> an empty body is a null value.</summary>
    public static async Task<JsonBody<T>> ReadAsync(HttpRequest request, JsonTypeInfo<T> type, bool optional, CancellationToken cancellationToken)
    {
        var json = request.HasJsonContentType();
        // A content type of its own is never taken for JSON, even on an empty body: it is what a page's form sends.
        if (!json && (!optional || request.ContentType is not null)) return Unsupported(request);
        // These bodies are a few fields; a huge one is refused by Kestrel (413) before it is held in memory.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBytes;
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (!json) return text.Length == 0 ? default : Unsupported(request);
        if (string.IsNullOrWhiteSpace(text))
            return optional ? default : Invalid($"the request has no body: send a JSON object ({Fields(type)})");
        try
        {
            var value = JsonSerializer.Deserialize(text, type);
            return value is not null || optional ? new(value, null) : Invalid($"the body is null: send a JSON object ({Fields(type)})");
        }
        catch (JsonException e)
        {
            return Invalid(Explain(e, type));
        }
    }

    private static JsonBody<T> Unsupported(HttpRequest request) => new(default, Results.Problem(
        $"{request.Method} {request.Path} takes a JSON body sent as Content-Type: application/json; got "
        + (request.ContentType is { } type ? $"Content-Type: {type}" : "a body with no Content-Type"),
        statusCode: StatusCodes.Status415UnsupportedMediaType, title: "unsupported media type"));

    private static JsonBody<T> Invalid(string detail) => new(default, Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "invalid request body"));

    private static string Fields(JsonTypeInfo<T> type) => type.Properties.Count == 0 ? "" : "fields: " + string.Join(", ", type.Properties.Select(p => p.Name));

    /// <summary>
    /// The field a <see cref="JsonException"/> is about and what it should have been, from the contract's own
    /// description of its fields; the parser's words for what is not JSON at all.
    /// </summary>
    private static string Explain(JsonException e, JsonTypeInfo<T> type)
    {
        // The parser's message ends with where it was ("Path: $.by | LineNumber: 0 | BytePositionInLine: 7."), said again below in words.
        var message = e.Message.Split(" Path: ", 2)[0].Split(" LineNumber: ", 2)[0].TrimEnd(' ', '|', '.');
        var where = e.LineNumber is { } line && e.BytePositionInLine is { } column ? $" (line {line + 1}, byte {column + 1})" : "";
        var field = e.Path is null or "$" ? null : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
        const string Missing = "missing required properties including: ";
        const string Unmapped = "The JSON property '";
        if (message.StartsWith(Unmapped, StringComparison.Ordinal) && message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var unknown = message[Unmapped.Length..message.IndexOf('\'', Unmapped.Length)];
            return $"{ShortText.Truncate(unknown, 80)}: unknown field ({Fields(type)}){where}";
        }
        if (message.Contains(Missing, StringComparison.Ordinal))
            return $"the body lacks required fields: {message[(message.IndexOf(Missing, StringComparison.Ordinal) + Missing.Length)..]}";
        var property = field is null ? null : type.Properties.FirstOrDefault(p => p.Name == field.Split('.', '[')[0]);
        if (property is not null && message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
            return $"{field}: expected {Expected(property.PropertyType)}{where}";
        if (property is not null && message.Contains("doesn't allow null values", StringComparison.Ordinal))
            return $"{field}: must not be null: expected {Expected(property.PropertyType)}{where}";
        return field is null ? $"the body is not a valid JSON object ({Fields(type)}){where}: {message}" : $"{field}: not valid JSON{where}: {message}";
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return "a date and time such as 2026-11-29T16:00:00Z";
        if (type == typeof(bool)) return "true or false";
        if (type.IsPrimitive || type == typeof(decimal)) return "a number";
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)) return "an object of strings";
        if (type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)) return "an array";
        return "a JSON object";
    }
}
