using System.Text.Json;
using Ballast.Contracts;

namespace Ballast.Core.Deploy;

/// <summary>
/// A not-ready answer of a service's ready endpoint, explained: the failing checks of its <c>application/health+json</c>
/// body ("environment:contract: AI_MAX_TOKENS_CHAT is missing"), read with the record the readiness library writes it
/// with, else the body itself; and whether the environment contract is among them.
/// </summary>
public readonly record struct ReadyAnswer(string Text, bool ContractFails)
{
    /// <summary>The readiness library's check of the environment contract, in its health+json body.</summary>
    public const string ContractCheck = "environment:contract";

    public static ReadyAnswer Explain(string body)
    {
        try
        {
            if (JsonSerializer.Deserialize(body, HealthDocumentJson.Default.ReadyDocument)?.Checks is { } checks)
            {
                var failing = checks
                    .SelectMany(c => (c.Value ?? []).Where(x => x?.Status == "fail").Select(x => (c.Key, Output: x.Output ?? "fail")))
                    .ToArray();
                if (failing.Length > 0)
                    return new(string.Join("; ", failing.Select(f => $"{f.Key}: {f.Output}")), failing.Any(f => f.Key == ContractCheck));
            }
        }
        catch (JsonException)
        {
            // Not health+json (or not the draft's shape): the body itself says it best.
        }
        return new(ShortText.Truncate(body, 300), false);
    }
}
