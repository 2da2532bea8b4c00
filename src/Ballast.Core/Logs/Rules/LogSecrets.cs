using System.Collections;
using Ballast.Core.Config;

namespace Ballast.Core.Logs.Rules;

/// <summary>
/// Every secret value of a config: what <c>${VAR}</c> references took from the environment and what keys marked
/// <c>[Secret]</c> hold. A service that logs its connection string must not put the password into an incident, an
/// alert or the dashboard, so the lines an incident carries are masked with these, as alert text and the monitor page are.
/// </summary>
public sealed class LogSecrets
{
    /// <summary>What a masked value shows instead.</summary>
    public const string Masked = "***";

    // Shorter values (a port, a flag) would mask unrelated text everywhere while protecting nothing.
    private const int MinimumLength = 4;

    private readonly string[] _values;

    private LogSecrets(string[] values) => _values = values;

    /// <summary>Masks nothing.</summary>
    public static LogSecrets None { get; } = new([]);

    public static LogSecrets Of(BallastConfig config)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in config.References.Values) Secret(reference.Values, values);
        Collect(config, values, depth: 0);
        return new LogSecrets([.. values.Where(v => v.Length >= MinimumLength).OrderByDescending(v => v.Length)]);
    }

    /// <summary><paramref name="text"/> with every secret value replaced by <see cref="Masked"/>, longest first.</summary>
    public string Mask(string text)
    {
        foreach (var value in _values)
            if (text.Contains(value, StringComparison.Ordinal)) text = text.Replace(value, Masked, StringComparison.Ordinal);
        return text;
    }

    private static void Collect(object? value, HashSet<string> values, int depth)
    {
        if (value is null or string or Uri || depth > 12 || value.GetType().IsValueType) return;
        if (value is IDictionary dictionary)
        {
            foreach (var item in dictionary.Values) Collect(item, values, depth + 1);
            return;
        }
        if (value is IEnumerable list)
        {
            foreach (var item in list) Collect(item, values, depth + 1);
            return;
        }
        if (value.GetType().Namespace?.StartsWith("Ballast.Core.Config", StringComparison.Ordinal) != true) return;
        foreach (var property in ConfigShape.PropertiesOf(value.GetType()))
        {
            var held = property.Property.GetValue(value);
            if (property.Secret) Secret(held, values);
            else Collect(held, values, depth + 1);
        }
    }

    /// <summary>
    /// A value under a <c>[Secret]</c> key, whatever its shape: text, a URL (whole, and the password in it, which is
    /// what a service's log repeats of it), or a list or map of those (a service's env, a channel's headers).
    /// </summary>
    private static void Secret(object? held, HashSet<string> values)
    {
        switch (held)
        {
            case string text:
                values.Add(text);
                if (Uri.TryCreate(text, UriKind.Absolute, out var parsed)) Secret(parsed, values);
                break;
            case Uri url:
                values.Add(url.OriginalString);
                if (url.IsAbsoluteUri && url.UserInfo.Split(':', 2) is [_, var password] && password.Length > 0)
                {
                    values.Add(password);
                    values.Add(Uri.UnescapeDataString(password));
                }
                break;
            case IDictionary map:
                foreach (var item in map.Values) Secret(item, values);
                break;
            case IEnumerable many:
                foreach (var item in many) Secret(item, values);
                break;
        }
    }
}
