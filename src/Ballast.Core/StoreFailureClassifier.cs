using System.Net.Sockets;
using System.Text;

namespace Ballast.Core;

/// <summary>
/// Tells the two ways a store call fails apart. A <em>refusal</em> is data the database will never take (bad text, a
/// value out of range, a broken constraint): trying again changes nothing, so it must be set aside rather than hold up
/// the rest. A bug (a bad argument, a duplicate key, a bad connection-string keyword) is not a refusal: setting data
/// aside would not cure it and would lose every record until the fix, so its data waits for the fix instead. Anything else (no connection, a server
/// shutting down, a read-only or full disk, a lock, a timeout) is the database being <em>unavailable</em>: kept and
/// tried again. Ballast.Storage adds the drivers' own codes; a failure nobody foresaw counts as unavailability, so it
/// keeps data rather than discarding it.
/// </summary>
public interface IStoreFailureClassifier
{
    /// <summary>True when the store refused the call itself rather than failing to take anything.</summary>
    bool IsRefusal(Exception exception);

    /// <summary>The reason in one line, never a password.</summary>
    string Describe(Exception exception);
}

/// <summary>The part of the classification that needs no database driver, which the drivers' part falls back on.</summary>
public class StoreFailureClassifier : IStoreFailureClassifier
{
    /// <summary>For stores without a driver of their own.</summary>
    public static readonly StoreFailureClassifier Generic = new();

    /// <summary>
    /// True for a refusal, false for unavailability, null when this exception alone does not tell (look at its inner one).
    /// </summary>
    public static bool? Classify(Exception exception) => exception switch
    {
        // The value could not even be encoded: the same record fails the same way every time. ArgumentException is
        // left out on purpose: it is what code and driver bugs throw, and says nothing about the record.
        EncoderFallbackException or InvalidCastException or OverflowException or FormatException => true,
        SocketException or IOException or TimeoutException => false,
        _ => null,
    };

    public virtual bool IsRefusal(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (Classify(e) is { } refusal) return refusal;
        return false;
    }

    public virtual string Describe(Exception exception) =>
        ShortText.Truncate(exception.Message.ReplaceLineEndings(" ").Trim() is { Length: > 0 } message ? message : exception.GetType().Name, 300);
}
