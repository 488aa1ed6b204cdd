using StackExchange.Redis;

namespace Gateway.Limits.Redis;

/// <summary>
/// This replica's view of one budget counter in Redis (a rule, key and period): a lease of budget already reserved in
/// Redis, spent locally with a CAS (no Redis call), and the spend and releases not yet written back. A request whose
/// maximum cost fits a slice (<c>lease_percent</c> of the limit) is admitted from the lease, refilled from Redis one
/// slice at a time (one refill in flight per counter); its settlement only changes local numbers, written back by
/// the registry's flush once a second. A larger request reserves its cost in Redis directly and its settlement is
/// written back before the response completes. A lease unused for a second goes back to Redis.
/// </summary>
/// <remarks>
/// Bound: a replica admits from a lease only what Redis granted it, and Redis grants only while spent plus reserved
/// (leases included) is under the limit, at most the need beyond what is left. So the total admitted across replicas
/// stays under the limit plus the requests in flight when it ran out, as in memory. Leases held by other replicas
/// can make a replica refuse while budget is left (at most a slice per replica, for at most a second).
/// </remarks>
internal sealed class SharedBudget(string redisKey, string key, DateTimeOffset start, DateTimeOffset end)
{
    private readonly SemaphoreSlim _refill = new(1, 1);
    private readonly SemaphoreSlim _flush = new(1, 1);
    private long _lease;
    private long _pendingSpent;
    private long _pendingRelease;
    private long _lastUseMs;

    public string RedisKey { get; } = redisKey;
    /// <summary>The counter's <c>budget_applies_per</c> value (alerts name it).</summary>
    public string Key { get; } = key;
    public DateTimeOffset Start { get; } = start;
    public DateTimeOffset End { get; } = end;
    public long Leased => Volatile.Read(ref _lease);
    public long LastUseMs => Volatile.Read(ref _lastUseMs);
    public bool IsClean => Leased == 0 && Volatile.Read(ref _pendingSpent) == 0 && Volatile.Read(ref _pendingRelease) == 0;

    /// <summary>The rule as of the last request (its limit and alert thresholds for flushes; a reload swaps it).</summary>
    public BudgetRule? Rule { get; private set; }

    /// <summary>Whether a request of <paramref name="nano"/> reserves directly in Redis (more than a slice) instead of from the lease.</summary>
    public static bool IsDirect(long nano, long slice) => nano > slice;

    /// <summary>The deciding rule's reservation: from the lease, else from Redis. False: the budget is spent.</summary>
    public ValueTask<bool> TryReserveAsync(RedisBucketStore store, BudgetAlerts alerts, BudgetRule rule, long nano, long slice, long nowMs)
    {
        Rule = rule;
        Volatile.Write(ref _lastUseMs, nowMs);
        if (!IsDirect(nano, slice) && TryTakeLocal(nano)) return ValueTask.FromResult(true);
        return RefillAsync(store, alerts, rule, nano, slice);
    }

    private async ValueTask<bool> RefillAsync(RedisBucketStore store, BudgetAlerts alerts, BudgetRule rule, long nano, long slice)
    {
        if (IsDirect(nano, slice))
        {
            // The lease is not touched; it is not counted against this request either.
            return await CallAsync(store, alerts, rule, nano, Leased, 0, decides: true).ConfigureAwait(false) > 0;
        }
        // Queued behind the refill in flight, which may bring enough for this request too. Bounded, never a hang.
        if (!await _refill.WaitAsync(store.Timeout * 10).ConfigureAwait(false)) throw new TimeoutException("limits store: budget lease refill queue");
        try
        {
            if (TryTakeLocal(nano)) return true;
            // What is left of the lease joins this request; Redis adds the rest (and a slice more when there is).
            var held = Interlocked.Exchange(ref _lease, 0);
            if (held >= nano)
            {
                // A settlement refilled the lease in between.
                Interlocked.Add(ref _lease, held - nano);
                return true;
            }
            long granted;
            try
            {
                granted = await CallAsync(store, alerts, rule, nano - held, held, slice, decides: true).ConfigureAwait(false);
            }
            catch
            {
                Interlocked.Add(ref _lease, held);
                throw;
            }
            if (granted == 0)
            {
                Interlocked.Add(ref _lease, held);
                return false;
            }
            Interlocked.Add(ref _lease, held + granted - nano);
            return true;
        }
        finally
        {
            _refill.Release();
        }
    }

    /// <summary>
    /// Settles a request. <paramref name="mode"/>: taken from the lease (the unused part returns to it; the lease keeps
    /// at most a slice), reserved directly (all of it released), or only recorded (a rule that does not decide).
    /// </summary>
    /// <returns>Whether something should go back to Redis now (a direct reservation, or a lease above a slice).</returns>
    public bool Settle(BudgetSettleMode mode, long reservedNano, long costNano, long slice)
    {
        Interlocked.Add(ref _pendingSpent, costNano);
        if (mode == BudgetSettleMode.Recorded) return false;
        var used = Math.Min(costNano, reservedNano);
        if (mode == BudgetSettleMode.Direct)
        {
            Interlocked.Add(ref _pendingRelease, reservedNano);
            return true;
        }
        Interlocked.Add(ref _pendingRelease, used);
        var lease = Interlocked.Add(ref _lease, reservedNano - used);
        while (lease > slice)
        {
            if (Interlocked.CompareExchange(ref _lease, slice, lease) == lease)
            {
                Interlocked.Add(ref _pendingRelease, lease - slice);
                return true;
            }
            lease = Leased;
        }
        return false;
    }

    /// <summary>
    /// Writes the spend and releases back (and the lease, once unused for <paramref name="idleMs"/>), firing the alert
    /// thresholds this crossed first. Never throws: what could not be written stays pending for the next flush.
    /// </summary>
    public async Task FlushAsync(RedisBucketStore store, BudgetAlerts alerts, long nowMs, long idleMs, Microsoft.Extensions.Logging.ILogger logger)
    {
        if (Rule is not { } rule || !await _flush.WaitAsync(store.Timeout * 2).ConfigureAwait(false)) return;
        try
        {
            if (nowMs - LastUseMs >= idleMs) Interlocked.Add(ref _pendingRelease, Interlocked.Exchange(ref _lease, 0));
            if (Volatile.Read(ref _pendingSpent) == 0 && Volatile.Read(ref _pendingRelease) == 0) return;
            await CallAsync(store, alerts, rule, 0, 0, 0, decides: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            store.CountFailure();
            LimitsLog.StoreUnavailable(logger, "write-back retried", e.Message);
        }
        finally
        {
            _flush.Release();
        }
    }

    /// <summary>Records a rule's request that does not decide: its spend, written back by the next flush.</summary>
    public void Touch(BudgetRule rule, long nowMs)
    {
        Rule = rule;
        Volatile.Write(ref _lastUseMs, nowMs);
    }

    /// <summary>One script call carrying what is pending; what it carried is pending again when the call surely did not run.</summary>
    private async Task<long> CallAsync(RedisBucketStore store, BudgetAlerts alerts, BudgetRule rule, long need, long held, long slice, bool decides)
    {
        var spent = Interlocked.Exchange(ref _pendingSpent, 0);
        var release = Interlocked.Exchange(ref _pendingRelease, 0);
        try
        {
            var (granted, total, fired) = await RedisBudgets.LeaseAsync(store, RedisKey, need, held, decides && !rule.AuditMode ? rule.LimitNano : null, slice,
                spent, release, End, rule.LimitNano, rule.AlertThresholds).ConfigureAwait(false);
            foreach (var threshold in fired) alerts.Fire(rule, Key, Start, End, (int)threshold, total);
            return granted;
        }
        catch (RedisConnectionException)
        {
            // Not sent (no connection, or the store is marked down): both are still owed.
            Interlocked.Add(ref _pendingSpent, spent);
            Interlocked.Add(ref _pendingRelease, release);
            throw;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // May have run: the spend is written again (counted twice errs on the blocking side), the release is not
            // (released twice would hand out budget other replicas hold). It expires with the key.
            Interlocked.Add(ref _pendingSpent, spent);
            throw;
        }
    }

    private bool TryTakeLocal(long nano)
    {
        while (true)
        {
            var lease = Volatile.Read(ref _lease);
            if (lease < nano) return false;
            if (Interlocked.CompareExchange(ref _lease, lease - nano, lease) == lease) return true;
        }
    }
}
