using System.Text;
using StackExchange.Redis;

namespace Gateway.Limits.Redis;

/// <summary>
/// Reads for the usage API (<c>GET /api/limits/usage</c>): every bucket or budget counter of a rule in Redis, by
/// key pattern, in one script each (SCAN inside Lua: one round trip; off the request path). At most
/// <see cref="MaxKeys"/> keys per rule, so a rule split over millions of values cannot stall Redis.
/// </summary>
internal static class RedisUsage
{
    public const int MaxKeys = 10_000;

    // Returns key, TAT - now (units, 0 when full) pairs; the clock as in RedisBucketStore's scripts.
    private const string ScanBuckets = """
        local t = redis.call('TIME')
        local upm = tonumber(ARGV[1])
        local now = ((tonumber(t[1]) - 1764547200) * 1000 + math.floor(tonumber(t[2]) / 1000)) * upm
        local max = tonumber(ARGV[3])
        local out = {}
        local cursor = '0'
        repeat
          local r = redis.call('SCAN', cursor, 'MATCH', ARGV[2], 'COUNT', 1000)
          cursor = r[1]
          for _, k in ipairs(r[2]) do
            if #out >= max * 2 then return out end
            local d = tonumber(redis.call('GET', k) or '0') - now
            if d < 0 then d = 0 end
            table.insert(out, k)
            table.insert(out, d)
          end
        until cursor == '0'
        return out
        """;

    // Returns key, spent, reserved triples.
    private const string ScanBudgets = """
        local max = tonumber(ARGV[2])
        local out = {}
        local cursor = '0'
        repeat
          local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
          cursor = r[1]
          for _, k in ipairs(r[2]) do
            if #out >= max * 3 then return out end
            local v = redis.call('HMGET', k, 'spent', 'reserved')
            table.insert(out, k)
            table.insert(out, tonumber(v[1] or '0'))
            table.insert(out, tonumber(v[2] or '0'))
          end
        until cursor == '0'
        return out
        """;

    /// <returns>Each bucket's key (as the rule splits it) and its GCRA distance from full, in units of the shape.</returns>
    public static async Task<List<(string Key, long AheadUnits)>> BucketsAsync(RedisBucketStore store, string ruleId, BucketShape shape)
    {
        var prefix = store.KeyOf(ruleId, "");
        var result = (RedisResult[])(await store.EvalAsync(ScanBuckets, [], [shape.UnitsPerMs, Glob(prefix) + "*", MaxKeys]).ConfigureAwait(false))!;
        var buckets = new List<(string, long)>(result.Length / 2);
        for (var i = 0; i + 1 < result.Length; i += 2) buckets.Add((((string)result[i]!)[prefix.Length..], (long)result[i + 1]));
        return buckets;
    }

    /// <returns>Each counter's key and its spend and reservations (nano-USD) in the period starting at <paramref name="periodStart"/>.</returns>
    public static async Task<List<(string Key, long SpentNano, long ReservedNano)>> BudgetsAsync(RedisBucketStore store, string ruleId, DateTimeOffset periodStart)
    {
        // gw:bg:<rule id>:<key>:<period start>
        var full = store.BudgetKeyOf(ruleId, "", periodStart);
        var head = full[..(store.Prefix.Length + "bg:".Length + ruleId.Length + 1)];
        var tail = full[head.Length..];
        var result = (RedisResult[])(await store.EvalAsync(ScanBudgets, [], [Glob(head) + "*" + Glob(tail), MaxKeys]).ConfigureAwait(false))!;
        var counters = new List<(string, long, long)>(result.Length / 3);
        for (var i = 0; i + 2 < result.Length; i += 3)
        {
            var key = (string)result[i]!;
            counters.Add((key[head.Length..^tail.Length], (long)result[i + 1], (long)result[i + 2]));
        }
        return counters;
    }

    /// <summary>Escapes Redis glob characters, so a rule id or prefix matches only itself.</summary>
    private static string Glob(string text)
    {
        var b = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') b.Append('\\');
            b.Append(c);
        }
        return b.ToString();
    }
}
