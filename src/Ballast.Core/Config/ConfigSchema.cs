using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ballast.Core.Config;

/// <summary>
/// The JSON Schema of ballast.yaml, generated from the config records themselves, so editor completion can never
/// drift from what the loader accepts (a test compares it with docs/ballast.schema.json).
/// </summary>
public static class ConfigSchema
{
    /// <summary>A duration, or a value taken from the environment.</summary>
    private const string DurationPattern = @"^(([0-9]+(\.[0-9]+)?(ms|s|m|h|d|w))+|.*\$\{.+\}.*)$";

    public static string Generate()
    {
        var definitions = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var root = (JsonObject)Describe(typeof(BallastConfig), definitions, inline: true);
        root.Remove("description");
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "ballast.yaml",
            ["description"] = "Ballast configuration: monitors, and the server that runs them. ${VAR} and ${VAR:-default} are read from the environment.",
        };
        foreach (var (key, value) in root) schema[key] = value?.DeepClone();
        var defs = new JsonObject();
        foreach (var (name, definition) in definitions) defs[name] = definition;
        schema["$defs"] = defs;
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject Describe(Type type, SortedDictionary<string, JsonNode> definitions, bool inline = false)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return new JsonObject { ["type"] = "string" };
        if (type == typeof(bool)) return new JsonObject { ["type"] = "boolean" };
        if (type == typeof(int)) return new JsonObject { ["type"] = "integer" };
        if (type == typeof(double)) return new JsonObject { ["type"] = "number" };
        if (type == typeof(TimeSpan)) return new JsonObject { ["type"] = "string", ["pattern"] = DurationPattern, ["description"] = "A duration: 250ms, 30s, 5m, 2h, 1d." };
        if (type == typeof(DateTimeOffset)) return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        if (type == typeof(Uri)) return new JsonObject { ["type"] = "string", ["format"] = "uri", ["pattern"] = "^https?://" };
        if (type.IsEnum)
            return new JsonObject { ["enum"] = new JsonArray(Enum.GetValues(type).Cast<Enum>().Select(e => (JsonNode)ConfigShape.EnumKey(e)!).ToArray()) };
        if (ConfigBinder.IsList(type, out var item)) return new JsonObject { ["type"] = "array", ["items"] = Describe(item, definitions) };
        if (ConfigBinder.IsDictionary(type, out var value)) return new JsonObject { ["type"] = "object", ["additionalProperties"] = Describe(value, definitions) };
        if (ConfigBinder.IsCustomScalar(type))
        {
            var hint = (string)type.GetProperty("SchemaHint")!.GetValue(null)!;
            return new JsonObject { ["type"] = "string", ["description"] = hint };
        }

        var name = type.Name.Replace("Config", "", StringComparison.Ordinal);
        if (!inline && definitions.ContainsKey(name)) return Ref(name);
        if (!inline) definitions[name] = new JsonObject(); // placeholder against recursion

        JsonObject node;
        if (ConfigShape.UnionOf(type) is { } union)
        {
            var cases = ConfigShape.CasesOf(type);
            node = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray(union.Discriminator),
                ["properties"] = new JsonObject
                {
                    [union.Discriminator] = new JsonObject { ["enum"] = new JsonArray(cases.Select(c => (JsonNode)c.Name!).ToArray()) },
                },
                ["oneOf"] = new JsonArray(cases.Select(c => (JsonNode)Describe(c.Type, definitions)).ToArray()),
            };
        }
        else
        {
            var properties = new JsonObject();
            var required = new JsonArray();
            var discriminator = ConfigShape.UnionOf(type.BaseType ?? typeof(object));
            if (discriminator is not null)
            {
                var caseName = ConfigShape.CasesOf(type.BaseType!).First(c => c.Type == type).Name;
                properties[discriminator.Discriminator] = new JsonObject { ["const"] = caseName };
                required.Add(discriminator.Discriminator);
            }
            var defaults = DefaultsOf(type);
            foreach (var property in ConfigShape.PropertiesOf(type))
            {
                var schema = Describe(property.Property.PropertyType, definitions);
                if (schema is JsonObject o && !o.ContainsKey("$ref"))
                {
                    if (property.Description is not null) o["description"] = property.Description;
                    if (defaults is not null && !property.Required && !property.Secret && DefaultOf(property.Property.GetValue(defaults)) is { } d) o["default"] = d;
                }
                properties[property.Key] = schema;
                if (property.Required) required.Add(property.Key);
            }
            node = new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["properties"] = properties };
            if (required.Count > 0) node["required"] = required;
        }
        if (inline) return node;
        definitions[name] = node;
        return Ref(name);
    }

    private static JsonNode? DefaultOf(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b,
        int i => i,
        double d => d,
        TimeSpan t => Duration.Format(t),
        Uri u => u.ToString(),
        Enum e => ConfigShape.EnumKey(e),
        _ => null,
    };

    private static JsonObject Ref(string name) => new() { ["$ref"] = $"#/$defs/{name}" };

    /// <summary>An instance holding the type's defaults (required keys left empty).</summary>
    private static object? DefaultsOf(Type type) => type.IsAbstract ? null : System.Activator.CreateInstance(type);
}
