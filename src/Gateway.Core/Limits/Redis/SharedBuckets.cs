using System.Collections.Concurrent;

namespace Gateway.Limits.Redis;

/// <summary>The <see cref="SharedBucket"/>s of one rule on this replica, one per key, and the lease size: <c>lease_percent</c> of the limit, at least one.</summary>
internal sealed class SharedBuckets(string ruleId, long limit, long periodMs, RedisBucketStore store)
{
    private readonly ConcurrentDictionary<string, SharedBucket> _buckets = new(StringComparer.Ordinal);
    private readonly BucketShape _shape = BucketShape.Of(limit, periodMs);
    private readonly long _leaseSize = Math.Max(1, limit * store.LeasePercent / 100);

    public RedisBucketStore Store { get; } = store;

    public SharedBucket Get(string key) =>
        _buckets.GetOrAdd(key, static (k, s) => new SharedBucket(s.Store.KeyOf(s.RuleId, k), s._shape, s._leaseSize), (Store, RuleId: ruleId, _shape, _leaseSize));

    public BucketShape Shape => _shape;

    /// <summary>
    /// Returns the leases of buckets idle for <paramref name="idleMs"/> to Redis, so another replica can use them,
    /// and forgets buckets idle for a period.
    /// </summary>
    public void ReturnIdleLeases(long nowMs, long idleMs)
    {
        foreach (var entry in _buckets)
        {
            var bucket = entry.Value;
            if (nowMs - bucket.LastUseMs < idleMs) continue;
            var unused = bucket.TakeLease();
            if (unused > 0) _ = ReturnAsync(bucket, unused);
            else if (nowMs - bucket.LastUseMs > _shape.PeriodMs) _buckets.TryRemove(entry);
        }
    }

    private async Task ReturnAsync(SharedBucket bucket, long unused)
    {
        try
        {
            await Store.AdjustAsync(bucket.RedisKey, _shape, -unused).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            Store.CountFailure();
            // Lost to Redis: the bucket refills on its own within a period; under-admitting is the safe side.
        }
    }
}
