namespace Gateway.Limits;

/// <summary>Tokens a tokens_per_* rule reserved for a request, settled with the real usage when it ends.</summary>
internal sealed record RateLimitLease(TokenBucket Bucket, long Tokens);
