namespace Ballast.Core.Config;

/// <summary>Marks an abstract config record whose concrete type is chosen by a discriminator key.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ConfigUnionAttribute(string discriminator) : Attribute
{
    public string Discriminator { get; } = discriminator;
}

/// <summary>One concrete case of a <see cref="ConfigUnionAttribute"/> record, selected when the discriminator equals <paramref name="name"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConfigCaseAttribute(string name, Type type) : Attribute
{
    public string Name { get; } = name;
    public Type Type { get; } = type;
}

/// <summary>A value that must never be printed, logged or shown; only its key name may be.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;

/// <summary>A property that is computed, not read from the file.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigIgnoreAttribute : Attribute;

/// <summary>
/// A config scalar with its own syntax (a condition, a cron expression). <c>offset</c> on failure is the character
/// within the text where the problem starts, so the error can point at it.
/// </summary>
public interface IConfigScalar<TSelf> where TSelf : IConfigScalar<TSelf>
{
    static abstract bool TryParse(string text, out TSelf value, out string error, out int offset);

    /// <summary>How the value is written in the file (for the schema's description and round trips).</summary>
    static abstract string SchemaHint { get; }
}

/// <summary>Cross-field rules a record checks once it is bound; errors name a key relative to the record.</summary>
public interface IValidatableConfig
{
    void Validate(ConfigValidation validation);
}

/// <summary>Collects errors for one record, located at the record's keys.</summary>
public sealed class ConfigValidation
{
    private readonly Action<string?, string, int?> _report;

    public ConfigValidation(Action<string?, string> report) => _report = (key, message, _) => report(key, message);

    /// <summary>A validation whose errors can point at a character inside a key's value.</summary>
    public ConfigValidation(Action<string?, string, int?> report) => _report = report;

    /// <summary>Reports a problem at <paramref name="key"/> (or at the record itself when null).</summary>
    public void Error(string? key, string message) => _report(key, message, null);

    /// <summary>
    /// Reports a problem at the character <paramref name="offset"/> (0-based) of <paramref name="key"/>'s text (a
    /// pattern's fault), so the error names the file's line and column of that character, as a condition's does.
    /// </summary>
    public void Error(string key, string message, int offset) => _report(key, message, offset);
}
