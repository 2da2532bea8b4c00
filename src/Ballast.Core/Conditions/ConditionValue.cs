using System.Globalization;
using System.Text.Json;

namespace Ballast.Core.Conditions;

/// <summary>A value a placeholder resolved to. <see cref="Missing"/> carries why nothing was there.</summary>
public readonly struct ConditionValue
{
    public enum ValueKind { Missing, Null, Bool, Number, String, Array, Object }

    private readonly object? _value;

    private ConditionValue(ValueKind kind, object? value)
    {
        Kind = kind;
        _value = value;
    }

    public ValueKind Kind { get; }

    public static ConditionValue Missing(string why) => new(ValueKind.Missing, why);
    public static ConditionValue Of(bool value) => new(ValueKind.Bool, value);
    public static ConditionValue Of(double value) => new(ValueKind.Number, value);
    public static ConditionValue Of(string value) => new(ValueKind.String, value);
    public static ConditionValue Of(IReadOnlyList<ConditionValue> items) => new(ValueKind.Array, items);

    public static ConditionValue Of(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => new(ValueKind.Null, null),
        JsonValueKind.True => Of(true),
        JsonValueKind.False => Of(false),
        JsonValueKind.Number => Of(element.GetDouble()),
        JsonValueKind.String => Of(element.GetString()!),
        JsonValueKind.Array => Of(element.EnumerateArray().Select(Of).ToArray()),
        _ => new(ValueKind.Object, element),
    };

    public bool IsMissing => Kind == ValueKind.Missing;
    public string MissingReason => Kind == ValueKind.Missing ? (string)_value! : "";
    public IReadOnlyList<ConditionValue> Items => _value as IReadOnlyList<ConditionValue> ?? [];
    public JsonElement Object => _value is JsonElement e ? e : default;

    public bool TryNumber(out double number)
    {
        switch (Kind)
        {
            case ValueKind.Number: number = (double)_value!; return true;
            case ValueKind.String: return double.TryParse((string)_value!, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            default: number = 0; return false;
        }
    }

    public bool TryBool(out bool value)
    {
        value = Kind == ValueKind.Bool && (bool)_value!;
        return Kind == ValueKind.Bool;
    }

    /// <summary>The value as text for equality and <c>contains</c>: numbers without trailing zeros, JSON as JSON.</summary>
    public string Text => Kind switch
    {
        ValueKind.Missing => "",
        ValueKind.Null => "null",
        ValueKind.Bool => (bool)_value! ? "true" : "false",
        ValueKind.Number => ((double)_value!).ToString("0.################", CultureInfo.InvariantCulture),
        ValueKind.String => (string)_value!,
        ValueKind.Array => "[" + string.Join(", ", Items.Select(i => i.Kind == ValueKind.String ? $"\"{i.Text}\"" : i.Text)) + "]",
        _ => Object.GetRawText(),
    };
}
