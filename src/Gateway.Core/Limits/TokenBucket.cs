namespace Gateway.Limits;

/// <summary>
/// A token bucket of <see cref="Limit"/> tokens refilled evenly over a period, in one 64-bit word updated by
/// CAS: the generic cell rate algorithm (GCRA, ITU-T I.371), which keeps only the "theoretical arrival
/// time" (TAT) at which the bucket is full again. Taking n tokens moves the TAT n × (period / limit)
/// later; it is refused when that lands more than a period ahead of now. No lock, no allocation.
/// <para>
/// Arithmetic is exact in integers: time is counted in units of 1 ms × limit / g and a token costs
/// period / g units, g = gcd(limit, period ms). A full period is then limit × period / g units, so a
/// bucket admits exactly <see cref="Limit"/> tokens from full, never one more through rounding. With limit
/// ≤ 10^9 (LimitsConfigReader.MaxLimit) the clock overflows after 2^63 / (limit / g) ms: for round limits
/// millions of years, at worst (a prime limit of 10^9) 106 days of uptime without an idle sweep.
/// </para>
/// </summary>
internal sealed class TokenBucket
{
    /// <summary>The TAT of a bucket the sweep took out of its map: acquirers look it up again.</summary>
    private const long Retired = long.MinValue;

    private readonly long _unitsPerMs;
    private readonly long _unitsPerToken;
    private readonly long _window;
    private long _tat;

    /// <param name="nowMs">Milliseconds on the registry's clock; the bucket starts full.</param>
    public TokenBucket(long limit, long periodMs, long nowMs)
    {
        var g = Gcd(limit, periodMs);
        Limit = limit;
        PeriodMs = periodMs;
        _unitsPerMs = limit / g;
        _unitsPerToken = periodMs / g;
        _window = _unitsPerToken * limit;
        _tat = nowMs * _unitsPerMs;
    }

    public long Limit { get; }
    public long PeriodMs { get; }

    /// <summary>Takes <paramref name="tokens"/> (at most <see cref="Limit"/>) if they are there; otherwise takes nothing.</summary>
    public BucketResult TryAcquire(long tokens, long nowMs)
    {
        var now = nowMs * _unitsPerMs;
        var cost = tokens * _unitsPerToken;
        while (true)
        {
            var tat = Volatile.Read(ref _tat);
            if (tat == Retired) return BucketResult.Gone;
            var next = Math.Max(tat, now) + cost;
            if (next - now > _window)
            {
                return new BucketResult(false, Remaining(tat, now), ResetMs(tat, now), Ceil(next - now - _window, _unitsPerMs));
            }
            if (Interlocked.CompareExchange(ref _tat, next, tat) == tat)
            {
                return new BucketResult(true, Remaining(next, now), ResetMs(next, now), 0);
            }
        }
    }

    /// <summary>
    /// Settles a reservation: takes <paramref name="tokens"/> more without a check (real usage above the
    /// reservation: later requests wait for it), or gives back −<paramref name="tokens"/> (never above full).
    /// </summary>
    public void Adjust(long tokens, long nowMs)
    {
        if (tokens == 0) return;
        var now = nowMs * _unitsPerMs;
        var delta = tokens * _unitsPerToken;
        while (true)
        {
            var tat = Volatile.Read(ref _tat);
            if (tat == Retired) return;
            long next;
            if (delta > 0) next = Math.Max(tat, now) + delta;
            else if (tat <= now) return;
            else next = Math.Max(tat + delta, now);
            if (Interlocked.CompareExchange(ref _tat, next, tat) == tat) return;
        }
    }

    /// <summary>Tokens that can be taken now, and ms until the bucket is full again.</summary>
    public BucketResult Peek(long nowMs)
    {
        var now = nowMs * _unitsPerMs;
        var tat = Volatile.Read(ref _tat);
        return tat == Retired ? BucketResult.Gone : new BucketResult(true, Remaining(tat, now), ResetMs(tat, now), 0);
    }

    /// <summary>Marks a full bucket retired, so one taken out of its map cannot admit anything more; false when in use.</summary>
    public bool TryRetire(long nowMs)
    {
        var now = nowMs * _unitsPerMs;
        var tat = Volatile.Read(ref _tat);
        return tat != Retired && tat <= now && Interlocked.CompareExchange(ref _tat, Retired, tat) == tat;
    }

    private long Remaining(long tat, long now) => Math.Max(0, _window - Math.Max(0, tat - now)) / _unitsPerToken;

    private long ResetMs(long tat, long now) => Ceil(Math.Max(0, tat - now), _unitsPerMs);

    private static long Ceil(long a, long b) => (a + b - 1) / b;

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
