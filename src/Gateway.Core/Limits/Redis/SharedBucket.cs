namespace Gateway.Limits.Redis;

/// <summary>
/// This replica's view of one bucket in Redis: a lease of tokens already taken from it, spent locally with a
/// CAS (no Redis call), refilled from Redis one slice at a time. Only one refill per bucket is in flight, and a
/// request is refused only when both the lease and Redis are short, so no token sits in a lease while a
/// request on the same replica is turned away. Unused tokens go back to Redis once the bucket is idle.
/// </summary>
internal sealed class SharedBucket(string redisKey, BucketShape shape, long leaseSize)
{
    private readonly SemaphoreSlim _refill = new(1, 1);
    private long _leased;
    private long _lastRemaining = shape.Limit;
    // Redis said it has nothing until then: refuse without asking again (exact: only other replicas' returned
    // leases could free tokens earlier, and refusing a little longer is the safe side).
    private long _emptyUntilMs;

    public string RedisKey { get; } = redisKey;
    public long LastUseMs { get; private set; }

    public long Leased => Volatile.Read(ref _leased);

    public async ValueTask<BucketResult> AcquireAsync(RedisBucketStore store, long tokens, long nowMs)
    {
        LastUseMs = nowMs;
        if (TryTakeLocal(tokens)) return new BucketResult(true, Volatile.Read(ref _lastRemaining) + Leased, 0, 0);
        if (Refused(tokens, nowMs) is { } early) return early;
        // Queued behind the refill in flight, which may bring enough for this request too. Bounded, never a hang.
        if (!await _refill.WaitAsync(store.Timeout * 10).ConfigureAwait(false)) throw new TimeoutException("limits store: lease refill queue");
        try
        {
            if (TryTakeLocal(tokens)) return new BucketResult(true, Volatile.Read(ref _lastRemaining) + Leased, 0, 0);
            if (Refused(tokens, nowMs) is { } refused) return refused;
            var (granted, remaining, reset, retry) = await store.TakeAsync(RedisKey, shape, tokens, Math.Max(tokens, leaseSize)).ConfigureAwait(false);
            Volatile.Write(ref _lastRemaining, remaining);
            var resetMs = (reset + shape.UnitsPerMs - 1) / shape.UnitsPerMs;
            if (granted < tokens)
            {
                var retryMs = (retry + shape.UnitsPerMs - 1) / shape.UnitsPerMs;
                // Only for requests of this size or more; a smaller one (tokens rules) may still fit.
                if (tokens == 1) Volatile.Write(ref _emptyUntilMs, nowMs + retryMs);
                return new BucketResult(false, remaining + Leased, resetMs, retryMs);
            }
            Interlocked.Add(ref _leased, granted - tokens);
            return new BucketResult(true, remaining + Leased, resetMs, 0);
        }
        finally
        {
            _refill.Release();
        }
    }

    /// <summary>Settles a reservation: overuse from the lease first, then from Redis; unused tokens join the lease.</summary>
    public Task SettleAsync(RedisBucketStore store, long delta)
    {
        if (delta < 0)
        {
            Interlocked.Add(ref _leased, -delta);
            return Task.CompletedTask;
        }
        while (delta > 0)
        {
            var leased = Leased;
            var take = Math.Min(leased, delta);
            if (take == 0) break;
            if (Interlocked.CompareExchange(ref _leased, leased - take, leased) == leased) delta -= take;
        }
        return delta > 0 ? store.AdjustAsync(RedisKey, shape, delta) : Task.CompletedTask;
    }

    private BucketResult? Refused(long tokens, long nowMs)
    {
        var until = Volatile.Read(ref _emptyUntilMs);
        return nowMs < until && Leased < tokens ? new BucketResult(false, Leased, until - nowMs, until - nowMs) : null;
    }

    /// <summary>The unused lease, taken back from this replica to return to Redis.</summary>
    public long TakeLease() => Interlocked.Exchange(ref _leased, 0);

    private bool TryTakeLocal(long tokens)
    {
        while (true)
        {
            var leased = Volatile.Read(ref _leased);
            if (leased < tokens) return false;
            if (Interlocked.CompareExchange(ref _leased, leased - tokens, leased) == leased) return true;
        }
    }
}
