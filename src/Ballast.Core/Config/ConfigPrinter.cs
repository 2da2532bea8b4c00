using System.Collections;
using System.Globalization;
using System.Text;

namespace Ballast.Core.Config;

/// <summary>
/// Renders config records as canonical text: for showing a config back to a person (secrets masked) and as a
/// fingerprint to tell whether a monitor really changed on reload (secrets included, never shown).
/// </summary>
public static class ConfigPrinter
{
    public static string Render(object value, bool maskSecrets = true)
    {
        var sb = new StringBuilder();
        Write(sb, value, maskSecrets, secret: false);
        return sb.ToString();
    }

    /// <summary>Equal for configs that behave the same; includes secrets, so never display it.</summary>
    public static string Fingerprint(object value) => Render(value, maskSecrets: false);

    private static void Write(StringBuilder sb, object? value, bool mask, bool secret)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case var _ when secret && mask:
                sb.Append("***");
                return;
            case string s:
                sb.Append('"').Append(s.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                return;
            case DateTimeOffset d:
                sb.Append(d.ToString("O", CultureInfo.InvariantCulture));
                return;
            case TimeSpan t:
                sb.Append(Duration.Format(t));
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case Enum e:
                sb.Append(ConfigShape.EnumKey(e));
                return;
            case IFormattable f:
                sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                return;
            case Uri or Conditions.Condition:
                sb.Append('"').Append(value).Append('"');
                return;
            case IDictionary dict:
                sb.Append('{');
                var firstEntry = true;
                foreach (var key in dict.Keys.Cast<string>().Order(StringComparer.Ordinal))
                {
                    if (!firstEntry) sb.Append(", ");
                    firstEntry = false;
                    sb.Append(key).Append(": ");
                    Write(sb, dict[key], mask, secret);
                }
                sb.Append('}');
                return;
            case IEnumerable list:
                sb.Append('[');
                var firstItem = true;
                foreach (var item in list)
                {
                    if (!firstItem) sb.Append(", ");
                    firstItem = false;
                    Write(sb, item, mask, secret);
                }
                sb.Append(']');
                return;
        }
        var type = value.GetType();
        sb.Append('{');
        if (value is Config.MonitorConfig monitor) sb.Append("type: ").Append(monitor.Type).Append(", ");
        var first = true;
        foreach (var property in ConfigShape.PropertiesOf(type))
        {
            if (!first) sb.Append(", ");
            first = false;
            sb.Append(property.Key).Append(": ");
            Write(sb, property.Property.GetValue(value), mask, property.Secret);
        }
        sb.Append('}');
    }
}
