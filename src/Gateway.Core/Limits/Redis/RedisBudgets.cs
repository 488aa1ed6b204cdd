using StackExchange.Redis;

namespace Gateway.Limits.Redis;

/// <summary>
/// Budget counters in Redis (<c>limits_store: redis</c>): one hash per rule, key and period (spent and reserved in
/// nano-USD, and which alert thresholds fired), changed by one Lua script, expiring a day after the period ends.
/// <c>reserved</c> is what replicas took and have not given back: their leases, and the requests in flight on them.
/// </summary>
internal static class RedisBudgets
{
    // KEYS[1] the counter. ARGV: 1 need (0: only apply the deltas), 2 what the caller already holds (its lease, not
    // counted against it), 3 the admission limit (-1: none), 4 slice (grant up to this much, the need at least),
    // 5 spend to add, 6 reservation to release, 7 expiry (unix ms), 8 the limit alerts are relative to, 9.. thresholds.
    // Admission as in memory (BudgetPeriod.TryReserve): while spent + reserved is under the limit. A grant is the
    // need, or a slice when more is left, never more than what is left beyond the need: so the total granted stays
    // under the limit plus one need (a request in flight). Reserved never goes below 0: a Redis that lost its data
    // (restarted without persistence) must not turn a release into budget that was never there.
    private const string Lease = """
        local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0') + tonumber(ARGV[5])
        local before = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
        local reserved = before - tonumber(ARGV[6])
        if reserved < 0 then reserved = 0 end
        local need = tonumber(ARGV[1])
        local limit = tonumber(ARGV[3])
        local grant = 0
        if need > 0 and (limit < 0 or spent + reserved - tonumber(ARGV[2]) < limit) then
          grant = need
          local slice = tonumber(ARGV[4])
          if limit >= 0 and slice > limit - spent - reserved then slice = limit - spent - reserved end
          if slice > grant then grant = slice end
          reserved = reserved + grant
        end
        if ARGV[5] ~= '0' then redis.call('HINCRBY', KEYS[1], 'spent', ARGV[5]) end
        if reserved ~= before then redis.call('HINCRBY', KEYS[1], 'reserved', string.format('%.0f', reserved - before)) end
        redis.call('PEXPIREAT', KEYS[1], ARGV[7])
        local result = {grant, spent}
        local alertLimit = tonumber(ARGV[8])
        for i = 9, #ARGV do
          local t = tonumber(ARGV[i])
          if spent >= alertLimit * t / 100 and redis.call('HSETNX', KEYS[1], 'f' .. ARGV[i], 1) == 1 then
            table.insert(result, t)
          end
        end
        return result
        """;

    /// <param name="need">Reservation wanted now; 0 to only apply <paramref name="spentNano"/> and <paramref name="releaseNano"/>.</param>
    /// <param name="heldNano">The caller's unused lease: already reserved, so not counted against its own request.</param>
    /// <param name="limitNano">Null: record only (a rule that does not decide, or audit mode).</param>
    /// <returns>What was granted (0: refused), the spend after this call, and the thresholds this call was first to cross.</returns>
    public static async Task<(long Granted, long Spent, long[] Fired)> LeaseAsync(RedisBucketStore store, string key, long need, long heldNano, long? limitNano, long sliceNano,
        long spentNano, long releaseNano, DateTimeOffset periodEnd, long alertLimitNano, IReadOnlyList<int> thresholds)
    {
        var args = new RedisValue[8 + thresholds.Count];
        args[0] = need;
        args[1] = heldNano;
        args[2] = limitNano ?? -1;
        args[3] = sliceNano;
        args[4] = spentNano;
        args[5] = releaseNano;
        args[6] = periodEnd.AddDays(1).ToUnixTimeMilliseconds();
        args[7] = alertLimitNano;
        for (var i = 0; i < thresholds.Count; i++) args[8 + i] = thresholds[i];
        var values = (long[])(await store.EvalAsync(Lease, [key], args).ConfigureAwait(false))!;
        return (values[0], values[1], values[2..]);
    }
}
