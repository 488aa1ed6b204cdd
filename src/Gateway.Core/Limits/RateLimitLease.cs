namespace Gateway.Limits;

/// <summary>Tokens a tokens_per_* rule reserved for a request (in a local bucket, or a shared one in Redis), settled with the real usage when it ends.</summary>
internal sealed record RateLimitLease(TokenBucket? Bucket, Redis.SharedBucket? Shared, Redis.RedisBucketStore? Store, long Tokens);
