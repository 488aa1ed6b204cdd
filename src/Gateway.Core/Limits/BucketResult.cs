namespace Gateway.Limits;

/// <summary>What a bucket said: admitted or not, tokens left, ms until full again, and ms until the refused tokens would fit.</summary>
internal readonly record struct BucketResult(bool Allowed, long Remaining, long ResetMs, long RetryAfterMs)
{
    /// <summary>The bucket was retired by the idle sweep while being read: look it up again.</summary>
    public static readonly BucketResult Gone = new(false, -1, 0, 0);

    public bool IsGone => Remaining < 0;
}
