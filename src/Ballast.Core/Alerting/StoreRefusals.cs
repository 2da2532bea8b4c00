namespace Ballast.Core.Alerting;

/// <summary>
/// What the notification store refused and the alerting loops set aside since the start (shown in /api/v1/stats
/// beside the results the writer set aside), and the classification that tells a refusal from an outage.
/// </summary>
public sealed class StoreRefusals(IStoreFailureClassifier? classifier = null)
{
    private readonly IStoreFailureClassifier _classifier = classifier ?? StoreFailureClassifier.Generic;
    private long _count;
    private string? _last;

    public bool IsRefusal(Exception exception) => _classifier.IsRefusal(exception);

    public string Describe(Exception exception) => _classifier.Describe(exception);

    public SetAsideStatus Status => new(Interlocked.Read(ref _count), Volatile.Read(ref _last));

    internal void Record(string what, string reason)
    {
        Interlocked.Increment(ref _count);
        Volatile.Write(ref _last, $"{what}: {reason}");
    }
}

/// <summary>Records the store refused and that were left out, since the start; the last one and the database's reason.</summary>
public sealed record SetAsideStatus(long SetAside, string? LastSetAside);
