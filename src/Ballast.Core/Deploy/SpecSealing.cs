using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ballast.Core.Deploy;

/// <summary>
/// Encrypts and decrypts values kept at rest. Storage implements it with ASP.NET Core Data Protection on a key ring
/// that the CLI and the server share (docs/security.md, "Secrets at rest").
/// </summary>
public interface ISecretSealer
{
    string Seal(string plain);

    /// <summary>The value <see cref="Seal"/> was given; throws when the key that sealed it is not in the key ring.</summary>
    string Unseal(string sealedText);
}

/// <summary>
/// A spec file's environment as it is kept at rest (backups on disk and in <c>deploy_backups</c>) and shown (the API):
/// references (<c>${VAR}</c>) stay as they are, every other value is sealed; shown, every value is <c>***</c>.
/// </summary>
public static class SpecSealing
{
    /// <summary>What starts a sealed value in a kept file.</summary>
    public const string Prefix = "sealed:";

    /// <summary><paramref name="text"/> with each container's environment values sealed (a file that is not a JSON object is sealed whole).</summary>
    public static string Seal(string text, ISecretSealer sealer) => Map(text, value =>
        value.Contains("${", StringComparison.Ordinal) || value.StartsWith(Prefix, StringComparison.Ordinal) ? value : Prefix + sealer.Seal(value),
        whole => Prefix + sealer.Seal(whole));

    /// <summary>The file as it was before <see cref="Seal"/>.</summary>
    public static string Unseal(string text, ISecretSealer sealer) =>
        text.StartsWith(Prefix, StringComparison.Ordinal) && !text.TrimStart().StartsWith('{')
            ? sealer.Unseal(text[Prefix.Length..])
            : Map(text, value => value.StartsWith(Prefix, StringComparison.Ordinal) ? sealer.Unseal(value[Prefix.Length..]) : value, whole => whole);

    /// <summary>For people: every environment value as <c>***</c>, names kept; a file that is not a JSON object is <c>***</c>.</summary>
    public static string Mask(string text) => Map(text, _ => ServiceSecrets.Mask, _ => ServiceSecrets.Mask);

    private static string Map(string text, Func<string, string> value, Func<string, string> notJson)
    {
        JsonObject? spec;
        try
        {
            spec = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            spec = null;
        }
        if (spec is null) return notJson(text);
        if (spec["containers"] is JsonObject containers)
            foreach (var (_, container) in containers)
                if (container?["environment"] is JsonObject environment)
                    foreach (var name in environment.Select(p => p.Key).ToArray())
                        environment[name] = value(environment[name]?.ToString() ?? "");
        return spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
