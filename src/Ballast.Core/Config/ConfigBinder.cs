using System.Globalization;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Ballast.Core.Config;

/// <summary>
/// Turns a YAML node tree into immutable config records by their <see cref="ConfigShape"/>, collecting every error with
/// its line, column and key path instead of stopping at the first.
/// </summary>
internal sealed class ConfigBinder(string file, Func<string, string?> environment, List<ConfigError> errors)
{
    /// <summary>Every scalar that held a <c>${VAR}</c> reference, by key path, as written and with the values it took.</summary>
    public Dictionary<string, ConfigReference> References { get; } = new(StringComparer.Ordinal);

    private static readonly MethodInfo ParseScalarMethod =
        typeof(ConfigBinder).GetMethod(nameof(ParseScalar), BindingFlags.NonPublic | BindingFlags.Static)!;

    public object? Bind(YamlNode node, Type type, string path, bool secret = false)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } n0 && IsNull(n0.Value))
        {
            if (underlying is not null || !type.IsValueType && type != typeof(string)) return null;
            Error(node, path, "needs a value");
            return null;
        }
        type = underlying ?? type;

        if (IsList(type, out var itemType)) return BindList(node, itemType, path);
        if (IsDictionary(type, out var valueType)) return BindDictionary(node, valueType, path);
        if (type.IsClass && type != typeof(string) && type != typeof(Uri) && !IsCustomScalar(type)) return BindRecord(node, type, path);

        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, $"expected {Describe(type)}, found a {(node is YamlMappingNode ? "mapping" : "list")}");
            return null;
        }
        var text = Expand(scalar, path);
        if (text is null) return null;
        return ConvertScalar(scalar, text, type, path, secret);
    }

    private object? ConvertScalar(YamlScalarNode node, string text, Type type, string path, bool secret)
    {
        var shown = secret ? "***" : $"\"{text}\"";
        if (type == typeof(string)) return text;
        if (type == typeof(bool))
        {
            if (text is "true" or "false") return text == "true";
            return Fail($"{shown} is not true or false");
        }
        if (type == typeof(int))
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
            return Fail($"{shown} is not a whole number");
        }
        if (type == typeof(double))
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
            return Fail($"{shown} is not a number");
        }
        if (type == typeof(TimeSpan))
        {
            if (Duration.TryParse(text, out var ts)) return ts;
            return Fail($"{shown} is not a duration ({Duration.Hint})");
        }
        if (type == typeof(DateTimeOffset))
        {
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && text.Contains('T', StringComparison.Ordinal))
                return at.ToUniversalTime();
            return Fail($"{shown} is not an ISO 8601 time such as 2026-12-01T02:00:00Z");
        }
        if (type == typeof(Uri))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0) return uri;
            return Fail($"{shown} is not an absolute http:// or https:// URL");
        }
        if (type.IsEnum)
        {
            foreach (var value in Enum.GetValues(type).Cast<Enum>())
                if (ConfigShape.EnumKey(value) == text) return value;
            var names = Enum.GetValues(type).Cast<Enum>().Select(ConfigShape.EnumKey).ToArray();
            var hint = ConfigShape.Suggest(text, names) is { } s ? $"did you mean \"{s}\"? " : "";
            return Fail($"{shown} is not one of {string.Join(", ", names)}{(hint.Length > 0 ? "; " + hint.TrimEnd() : "")}");
        }
        if (IsCustomScalar(type))
        {
            var args = new object?[] { text, null, null, 0 };
            if ((bool)ParseScalarMethod.MakeGenericMethod(type).Invoke(null, args)!) return args[1];
            ErrorInside(node, (int)args[3]!, path, (string)args[2]!);
            return null;
        }
        return Fail($"cannot read {type.Name} values");

        object? Fail(string message)
        {
            Error(node, path, message);
            return null;
        }
    }

    private static bool ParseScalar<T>(string text, out T? value, out string error, out int offset) where T : IConfigScalar<T>
    {
        var ok = T.TryParse(text, out var v, out error, out offset);
        value = ok ? v : default;
        return ok;
    }

    private object? BindList(YamlNode node, Type itemType, string path)
    {
        var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, path, $"expected a list of {Describe(itemType)}");
            return list;
        }
        var i = 0;
        foreach (var child in sequence.Children)
        {
            var value = Bind(child, itemType, $"{path}[{i++}]");
            if (value is not null) list.Add(value);
        }
        return list;
    }

    private object? BindDictionary(YamlNode node, Type valueType, string path)
    {
        var dict = (System.Collections.IDictionary)Activator.CreateInstance(
            typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType), StringComparer.Ordinal)!;
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, $"expected a mapping of names to {Describe(valueType)}");
            return dict;
        }
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var value = Bind(valueNode, valueType, Join(path, key));
            if (value is not null) dict[key] = value;
        }
        return dict;
    }

    private object? BindRecord(YamlNode node, Type type, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, $"expected a mapping ({Describe(type)})");
            return null;
        }

        if (ConfigShape.UnionOf(type) is { } union)
        {
            var cases = ConfigShape.CasesOf(type);
            var names = cases.Select(c => c.Name).ToArray();
            if (!mapping.Children.TryGetValue(new YamlScalarNode(union.Discriminator), out var discNode) || discNode is not YamlScalarNode disc)
            {
                Error(node, path, $"needs \"{union.Discriminator}\": one of {string.Join(", ", names)}");
                return null;
            }
            var match = cases.FirstOrDefault(c => c.Name == disc.Value);
            if (match is null)
            {
                var hint = ConfigShape.Suggest(disc.Value ?? "", names) is { } s ? $"; did you mean \"{s}\"?" : "";
                Error(disc, Join(path, union.Discriminator), $"\"{disc.Value}\" is not one of {string.Join(", ", names)}{hint}");
                return null;
            }
            type = match.Type;
        }

        var instance = Activator.CreateInstance(type)!;
        var properties = ConfigShape.PropertiesOf(type);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var valueNodes = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var unionKey = ConfigShape.UnionOf(type.BaseType ?? typeof(object))?.Discriminator;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            valueNodes[key] = valueNode;
            if (key == unionKey) continue;
            var property = properties.FirstOrDefault(p => p.Key == key);
            if (property is null)
            {
                var hint = ConfigShape.Suggest(key, properties.Select(p => p.Key)) is { } s ? $"; did you mean \"{s}\"?" : "";
                Error(keyNode, Join(path, key), $"unknown key{hint}");
                continue;
            }
            seen.Add(key);
            var value = Bind(valueNode, property.Property.PropertyType, Join(path, key), property.Secret);
            if (value is not null) property.Property.SetValue(instance, value);
        }
        foreach (var property in properties)
            if (property.Required && !seen.Contains(property.Key))
                Error(node, path, $"missing required key \"{property.Key}\"");

        if (instance is IValidatableConfig validatable)
            validatable.Validate(new ConfigValidation((key, message, offset) =>
            {
                var at = key is null ? node : Locate(mapping, key) ?? node;
                if (offset is { } o && at is YamlScalarNode scalar) ErrorInside(scalar, o, key is null ? path : Join(path, key), message);
                else Error(at, key is null ? path : Join(path, key), message);
            }));
        return instance;
    }

    /// <summary>The value node at a relative path such as <c>interval</c> or <c>monitors[3].name</c>.</summary>
    private static YamlNode? Locate(YamlNode node, string relativePath)
    {
        YamlNode? current = node;
        foreach (var segment in relativePath.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            current = (current, segment.StartsWith('[')) switch
            {
                (YamlSequenceNode seq, true) when int.TryParse(segment.AsSpan(1, segment.Length - 2), out var i) && i < seq.Children.Count => seq.Children[i],
                (YamlMappingNode map, false) when map.Children.TryGetValue(new YamlScalarNode(segment), out var child) => child,
                _ => null,
            };
            if (current is null) return null;
        }
        return current;
    }

    private string? Expand(YamlScalarNode scalar, string path)
    {
        var text = scalar.Value ?? "";
        var problems = new List<EnvironmentSubstitution.Problem>();
        var found = new List<string>();
        var expanded = EnvironmentSubstitution.Expand(text, environment, problems, found);
        if (expanded != text || found.Count > 0) References[path] = new ConfigReference(text, found);
        foreach (var p in problems)
            errors.Add(new(file, (int)scalar.Start.Line, (int)scalar.Start.Column + p.Offset + (scalar.Style is YamlDotNet.Core.ScalarStyle.Plain ? 0 : 1), path, p.Message));
        return problems.Count == 0 ? expanded : null;
    }

    /// <summary>An error at the character <paramref name="offset"/> of a scalar's text (a condition's or a pattern's fault).</summary>
    private void ErrorInside(YamlScalarNode node, int offset, string path, string message)
    {
        // The offset is into the expanded text; it points into the source only for plain or quoted single lines.
        var column = (int)node.Start.Column + (node.Style is YamlDotNet.Core.ScalarStyle.Plain ? 0 : 1) + offset;
        errors.Add(new(file, (int)node.Start.Line, column, path, message));
    }

    private void Error(YamlNode at, string path, string message) =>
        errors.Add(new(file, (int)at.Start.Line, (int)at.Start.Column, path, message));

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(string? value) => value is null or "" or "~" or "null";

    internal static bool IsCustomScalar(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConfigScalar<>));

    internal static bool IsList(Type type, out Type itemType)
    {
        itemType = typeof(object);
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IReadOnlyList<>)) return false;
        itemType = type.GetGenericArguments()[0];
        return true;
    }

    internal static bool IsDictionary(Type type, out Type valueType)
    {
        valueType = typeof(object);
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IReadOnlyDictionary<,>)) return false;
        valueType = type.GetGenericArguments()[1];
        return true;
    }

    internal static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "text";
        if (type == typeof(int)) return "a whole number";
        if (type == typeof(double)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(TimeSpan)) return "a duration";
        if (type == typeof(DateTimeOffset)) return "an ISO 8601 time";
        if (type == typeof(Uri)) return "a URL";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetValues(type).Cast<Enum>().Select(ConfigShape.EnumKey));
        if (IsList(type, out var item)) return "a list of " + Describe(item);
        if (IsCustomScalar(type)) return type.Name.ToLowerInvariant();
        return type.Name.Replace("Config", "", StringComparison.Ordinal).ToLowerInvariant() + " settings";
    }
}
