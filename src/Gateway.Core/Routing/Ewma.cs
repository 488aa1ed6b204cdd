namespace Gateway.Routing;

/// <summary>
/// An exponentially weighted moving average of latency samples, updated lock-free (CAS on the
/// double's bits). A sample arriving after the average went stale replaces it instead of blending,
/// so a target that recovered while nobody used it is judged on what it does now.
/// </summary>
internal struct Ewma
{
    /// <summary>Weight of the newest sample: about the last 5 samples carry 80% of the average.</summary>
    public const double Alpha = 0.3;

    private long _bits;
    // Timestamp (the owning TargetHealth's TimeProvider) of the last sample; 0 = none yet.
    private long _at;

    public void Add(double sample, long now, long staleTicks)
    {
        var at = Volatile.Read(ref _at);
        var fresh = at != 0 && now - at <= staleTicks;
        while (true)
        {
            var old = Volatile.Read(ref _bits);
            var next = fresh ? Alpha * sample + (1 - Alpha) * BitConverter.Int64BitsToDouble(old) : sample;
            if (Interlocked.CompareExchange(ref _bits, BitConverter.DoubleToInt64Bits(next), old) == old) break;
        }
        Volatile.Write(ref _at, now);
    }

    /// <summary>The average, or NaN when there has been no sample.</summary>
    public double Value => Volatile.Read(ref _at) == 0 ? double.NaN : BitConverter.Int64BitsToDouble(Volatile.Read(ref _bits));

    public bool IsStale(long now, long staleTicks)
    {
        var at = Volatile.Read(ref _at);
        return at == 0 || now - at > staleTicks;
    }
}
