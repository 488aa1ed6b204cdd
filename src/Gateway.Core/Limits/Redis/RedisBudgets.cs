using StackExchange.Redis;

namespace Gateway.Limits.Redis;

/// <summary>
/// Budget counters in Redis (<c>limits_store: redis</c>): one hash per rule, key and period (spent, reserved in
/// nano-USD, and which alert thresholds fired), changed by Lua scripts, expiring a day after the period ends.
/// The same admission as <see cref="BudgetPeriod"/>, shared by every replica; a threshold fires once across them.
/// </summary>
internal static class RedisBudgets
{
    private const string Reserve = """
        local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
        local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
        local limit = tonumber(ARGV[2])
        if limit >= 0 and spent + reserved >= limit then return 0 end
        redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        return 1
        """;

    private const string Settle = """
        local spent = redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
        redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
        local limit = tonumber(ARGV[3])
        local result = {spent}
        for i = 4, #ARGV do
          local t = tonumber(ARGV[i])
          if spent >= limit * t / 100 and redis.call('HSETNX', KEYS[1], 'f' .. ARGV[i], 1) == 1 then
            table.insert(result, t)
          end
        end
        return result
        """;

    /// <param name="limitNano">Null: record only (a rule that does not decide, or audit mode).</param>
    public static async Task<bool> TryReserveAsync(RedisBucketStore store, string key, long nano, long? limitNano, DateTimeOffset periodEnd)
    {
        var result = await store.EvalAsync(Reserve, [key], [nano, limitNano ?? -1, periodEnd.AddDays(1).ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <returns>The spend after settling, and the thresholds this call was first to cross.</returns>
    public static async Task<(long Spent, long[] Fired)> SettleAsync(RedisBucketStore store, string key, long reservedNano, long actualNano, long limitNano, IReadOnlyList<int> thresholds)
    {
        var args = new RedisValue[3 + thresholds.Count];
        args[0] = -reservedNano;
        args[1] = actualNano;
        args[2] = limitNano;
        for (var i = 0; i < thresholds.Count; i++) args[3 + i] = thresholds[i];
        var values = (long[])(await store.EvalAsync(Settle, [key], args).ConfigureAwait(false))!;
        return (values[0], values[1..]);
    }
}
