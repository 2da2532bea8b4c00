using System.Globalization;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Parsing;

namespace Ballast.Server.Logs;

/// <summary>
/// A process service's replicas as a log source: each line a replica writes (stdout and stderr) reaches the hub as
/// source <c>SERVICE</c>, labelled <c>service</c>, <c>release</c> and <c>replica</c> (its index), so a rule keyed per
/// replica tells one stalled replica from its healthy siblings.
/// </summary>
internal static class ReplicaLogs
{
    public static Action<string> For(ILogIngest ingest, TimeProvider time, string service, string release, int index)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["service"] = service, ["release"] = release, ["replica"] = index.ToString(CultureInfo.InvariantCulture),
        };
        return line =>
        {
            // Without a checkpoint the hub completes at once: the line has reached every observer when this returns.
            var handed = ingest.IngestAsync([LogTimes.Parse(service, line, time.GetUtcNow(), labels)], null, CancellationToken.None);
            if (!handed.IsCompletedSuccessfully) handed.AsTask().GetAwaiter().GetResult();
        };
    }
}
