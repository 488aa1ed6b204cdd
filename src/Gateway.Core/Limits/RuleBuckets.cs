using System.Collections.Concurrent;

namespace Gateway.Limits;

/// <summary>
/// The buckets of one rate limit rule, one per value of its <c>rate_limit_applies_per</c>, created on demand.
/// Lives in <see cref="RateLimitRegistry"/>, so a reload that keeps the rule (same id, limit and unit) keeps them.
/// With a shared store the buckets live in Redis (<see cref="Shared"/>) and these local ones are the fail-open fallback.
/// </summary>
internal sealed class RuleBuckets(string ruleId, long limit, long periodMs, Redis.RedisBucketStore? store = null)
{
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);

    public string RuleId { get; } = ruleId;
    public long Limit { get; } = limit;
    public long PeriodMs { get; } = periodMs;
    public int Count => _buckets.Count;

    /// <summary>This replica's leases on the rule's buckets in Redis; null in memory mode.</summary>
    public Redis.SharedBuckets? Shared { get; } = store is null ? null : new Redis.SharedBuckets(ruleId, limit, periodMs, store);

    /// <summary>Takes <paramref name="tokens"/> from the bucket of <paramref name="key"/>; the bucket is returned to settle against.</summary>
    public BucketResult Acquire(string key, long tokens, long nowMs, out TokenBucket bucket)
    {
        while (true)
        {
            bucket = _buckets.GetOrAdd(key, static (_, s) => new TokenBucket(s.Self.Limit, s.Self.PeriodMs, s.NowMs), (Self: this, NowMs: nowMs));
            var result = bucket.TryAcquire(tokens, nowMs);
            // Retired between the lookup and the take: the sweep removed it, the next lookup creates a fresh one.
            if (!result.IsGone) return result;
            _buckets.TryRemove(new KeyValuePair<string, TokenBucket>(key, bucket));
        }
    }

    /// <summary>Drops buckets that are full again: a new one would start in the same state.</summary>
    public int Sweep(long nowMs)
    {
        var removed = 0;
        foreach (var entry in _buckets)
        {
            if (entry.Value.TryRetire(nowMs) && _buckets.TryRemove(entry)) removed++;
        }
        return removed;
    }

    /// <summary>The live buckets (for the usage API).</summary>
    public IEnumerable<KeyValuePair<string, TokenBucket>> Buckets => _buckets;
}
