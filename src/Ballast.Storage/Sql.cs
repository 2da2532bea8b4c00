using System.Data.Common;
using System.Globalization;

namespace Ballast.Storage;

/// <summary>Small helpers every store shares: parameterised commands and reading times stored as unix milliseconds.</summary>
internal static class Sql
{
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) Parameter(command, name, value);
        return command;
    }

    /// <summary>Adds one parameter to <paramref name="command"/>; null is stored as SQL NULL.</summary>
    public static DbParameter Parameter(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
        return p;
    }

    public static DateTimeOffset? Time(DbDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture));

    public static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
