namespace Gateway.Limits.Redis;

/// <summary>A bucket's GCRA constants (see <see cref="TokenBucket"/>): ms and tokens in units of 1 ms × limit / gcd(limit, period).</summary>
internal readonly record struct BucketShape(long Limit, long PeriodMs, long UnitsPerMs, long UnitsPerToken, long Window)
{
    public static BucketShape Of(long limit, long periodMs)
    {
        long a = limit, b = periodMs;
        while (b != 0) (a, b) = (b, a % b);
        return new BucketShape(limit, periodMs, limit / a, periodMs / a, periodMs / a * limit);
    }
}
