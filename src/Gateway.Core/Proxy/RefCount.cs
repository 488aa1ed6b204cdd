namespace Gateway.Proxy;

/// <summary>
/// Reference counts that never come back from zero: the holder that drops the last reference frees
/// the resource, and an acquire that comes later fails instead of reviving a count whose buffer is
/// already back in the pool (an increment-then-check would hand that caller a recycled array).
/// </summary>
internal static class RefCount
{
    /// <summary>Takes a reference (<paramref name="step"/> units) if one is still held; false once the count reached zero.</summary>
    public static bool TryAcquire(ref int refs, int step = 1)
    {
        var current = Volatile.Read(ref refs);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref refs, current + step, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    /// <summary>Drops a reference; true for the call that dropped the last one, which frees the resource.</summary>
    public static bool Release(ref int refs) => Interlocked.Decrement(ref refs) == 0;
}
