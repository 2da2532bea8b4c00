namespace Ballast.Storage.Monitoring;

/// <summary>
/// Fixed latency buckets kept in every aggregate row, so a p95 over any range is a sum of counters, not a scan of
/// raw results. A percentile reads as the upper bound of the bucket it falls in.
/// </summary>
internal static class LatencyHistogram
{
    /// <summary>Upper bounds in milliseconds; the last bucket is open-ended.</summary>
    public static readonly double[] Bounds = [5, 10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2500, 5000, 10000, 30000, double.PositiveInfinity];

    public static int Count => Bounds.Length;

    public static int BucketOf(double ms)
    {
        var i = 0;
        while (ms > Bounds[i]) i++;
        return i;
    }

    /// <summary>The bucket bound below which <paramref name="q"/> of the counts fall; for the open bucket, the largest finite bound.</summary>
    public static double? Percentile(long[] counts, double q)
    {
        var total = counts.Sum();
        if (total == 0) return null;
        var target = (long)Math.Ceiling(total * q);
        long running = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            running += counts[i];
            if (running >= target) return double.IsPositiveInfinity(Bounds[i]) ? Bounds[^2] : Bounds[i];
        }
        return Bounds[^2];
    }
}
