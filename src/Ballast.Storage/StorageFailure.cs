using System.Data.Common;
using Ballast.Core;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ballast.Storage;

/// <summary>
/// Tells the two ways a write fails apart. A <em>refused</em> record is one the database will never take (bad text, a
/// value out of range, a broken constraint): retrying it changes nothing, so it must not hold up the others. Anything
/// else (no connection, a server shutting down, a read-only or full disk, a lock) is the database being
/// <em>unavailable</em>: every record is kept and tried again. Only failures known to be about the data count as
/// refusals, so a failure nobody foresaw keeps data rather than discarding it. The drivers' codes are here; the rest is
/// <see cref="StoreFailureClassifier"/>'s, so there is one classification for the writer and the alerting loops.
/// </summary>
public static class StorageFailure
{
    /// <summary>True when the database refused the data itself rather than failing to take any.</summary>
    public static bool IsRefusal(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 22 data exception (e.g. 22021, a NUL in text), 23 integrity constraint, 54 program limit (a row too large).
                case PostgresException pg:
                    return pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal)
                           || pg.SqlState.StartsWith("54", StringComparison.Ordinal);
                // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_RANGE (primary codes, extended bits masked off).
                case SqliteException sqlite:
                    return (sqlite.SqliteErrorCode & 0xff) is 18 or 19 or 20 or 25;
            }
            if (StoreFailureClassifier.Classify(e) is { } refusal) return refusal;
        }
        return false;
    }

    /// <summary>This classification for whoever takes an <see cref="IStoreFailureClassifier"/> (the alerting loops).</summary>
    public static readonly IStoreFailureClassifier Classifier = new DriverClassifier();

    private sealed class DriverClassifier : StoreFailureClassifier
    {
        public override bool IsRefusal(Exception exception) => StorageFailure.IsRefusal(exception);
        public override string Describe(Exception exception) => StorageFailure.Describe(exception);
    }

    /// <summary>
    /// The reason in one line, innermost cause last (<c>Failed to connect to 127.0.0.1:5432: Connection refused</c>).
    /// Driver messages name hosts and ports, never passwords.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = e.Message.ReplaceLineEndings(" ").Trim();
            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal))) parts.Add(message);
            if (e is DbException && e.InnerException is null) break;
        }
        var text = parts.Count == 0 ? exception.GetType().Name : string.Join(": ", parts);
        return ShortText.Truncate(text, 300);
    }
}
