namespace Gateway.Limits;

/// <summary>
/// One budget counter for one period (a UTC day, week or month): spend settled, cost reserved by requests in
/// flight, and which alert thresholds fired. In nano-USD, so the cost of a single token (a few micro-USD)
/// adds up exactly. A new period is a new object; requests settle on the one they reserved on.
/// </summary>
internal sealed class BudgetPeriod(DateTimeOffset start, DateTimeOffset end)
{
    private long _spent;
    private long _reserved;
    private long _fired;

    public DateTimeOffset Start { get; } = start;
    public DateTimeOffset End { get; } = end;
    public long SpentNano => Volatile.Read(ref _spent);
    public long ReservedNano => Volatile.Read(ref _reserved);

    /// <summary>
    /// Reserves <paramref name="nano"/>; when <paramref name="limitNano"/> is given, only while spend plus
    /// what is in flight is under it. So the overspend is bounded by the reservations of requests admitted
    /// while budget was left (issue #12: "bounded by the cost of requests already in flight").
    /// </summary>
    public bool TryReserve(long nano, long? limitNano)
    {
        while (true)
        {
            var reserved = Volatile.Read(ref _reserved);
            if (limitNano is { } limit && Volatile.Read(ref _spent) + reserved >= limit) return false;
            if (Interlocked.CompareExchange(ref _reserved, reserved + nano, reserved) == reserved) return true;
        }
    }

    /// <summary>Replaces a reservation with the real cost; returns the spend after it.</summary>
    public long Settle(long reservedNano, long actualNano)
    {
        // Spend first, then release: a reader in between sees too much, never too little.
        var spent = Interlocked.Add(ref _spent, actualNano);
        Interlocked.Add(ref _reserved, -reservedNano);
        return spent;
    }

    /// <summary>Marks threshold <paramref name="index"/> fired; true only for the first caller in this period.</summary>
    public bool TryFire(int index)
    {
        var bit = 1L << index;
        return (Interlocked.Or(ref _fired, bit) & bit) == 0;
    }
}
