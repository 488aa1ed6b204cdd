using Gateway.Limits;

namespace Gateway.Tests.Limits;

public sealed class TokenBucketTests
{
    [Fact]
    public void Full_bucket_admits_exactly_the_limit_then_refuses()
    {
        var bucket = new TokenBucket(limit: 3, periodMs: 60_000, nowMs: 0);

        Assert.Equal(2, bucket.TryAcquire(1, 0).Remaining);
        Assert.Equal(1, bucket.TryAcquire(1, 0).Remaining);
        var last = bucket.TryAcquire(1, 0);
        var refused = bucket.TryAcquire(1, 0);

        Assert.True(last.Allowed);
        Assert.Equal(0, last.Remaining);
        Assert.Equal(60_000, last.ResetMs);
        Assert.False(refused.Allowed);
        Assert.Equal(0, refused.Remaining);
        // One token comes back every period / limit = 20 s.
        Assert.Equal(20_000, refused.RetryAfterMs);
    }

    [Fact]
    public void Refills_one_token_per_period_over_limit_and_not_a_millisecond_early()
    {
        var bucket = new TokenBucket(3, 60_000, 0);
        for (var i = 0; i < 3; i++) Assert.True(bucket.TryAcquire(1, 0).Allowed);

        Assert.False(bucket.TryAcquire(1, 19_999).Allowed);
        Assert.Equal(1, bucket.TryAcquire(1, 19_999).RetryAfterMs);
        Assert.True(bucket.TryAcquire(1, 20_000).Allowed);
        Assert.False(bucket.TryAcquire(1, 20_000).Allowed);
        // A full period later the bucket is full again, and never fuller.
        Assert.Equal(3, bucket.Peek(80_000).Remaining);
        Assert.Equal(3, bucket.Peek(10_000_000).Remaining);
    }

    [Fact]
    public void Limits_that_do_not_divide_the_period_stay_exact()
    {
        // 7 per minute: a token is 8571.43 ms, not a whole number of ms.
        var bucket = new TokenBucket(7, 60_000, 0);
        var admitted = 0;
        for (var i = 0; i < 20; i++) admitted += bucket.TryAcquire(1, 0).Allowed ? 1 : 0;
        Assert.Equal(7, admitted);
        // Over one more period exactly 7 more come back (8571.43 ms each), the 7th at 60,000 ms.
        Assert.False(bucket.TryAcquire(1, 8_571).Allowed);
        Assert.True(bucket.TryAcquire(1, 8_572).Allowed);
        Assert.Equal(6, bucket.Peek(60_000).Remaining);
    }

    [Fact]
    public void A_request_larger_than_what_remains_waits_for_it()
    {
        var bucket = new TokenBucket(1000, 60_000, 0);
        Assert.True(bucket.TryAcquire(600, 0).Allowed);

        var refused = bucket.TryAcquire(500, 0);

        Assert.False(refused.Allowed);
        Assert.Equal(400, refused.Remaining);
        // 100 tokens short at 60 ms a token.
        Assert.Equal(6_000, refused.RetryAfterMs);
        Assert.True(bucket.TryAcquire(400, 0).Allowed);
    }

    [Fact]
    public void Settlement_gives_back_unused_tokens_and_takes_overuse()
    {
        var bucket = new TokenBucket(1000, 60_000, 0);
        Assert.True(bucket.TryAcquire(500, 0).Allowed);

        bucket.Adjust(-400, 0);
        Assert.Equal(900, bucket.Peek(0).Remaining);

        // Used more than reserved: the bucket goes into debt and later requests wait for it.
        bucket.Adjust(1_500, 0);
        Assert.Equal(0, bucket.Peek(0).Remaining);
        Assert.False(bucket.TryAcquire(1, 0).Allowed);
        Assert.False(bucket.TryAcquire(1, 35_999).Allowed);
        Assert.True(bucket.TryAcquire(1, 36_060).Allowed);
    }

    [Fact]
    public void Refund_never_fills_above_the_limit()
    {
        var bucket = new TokenBucket(100, 60_000, 0);
        Assert.True(bucket.TryAcquire(50, 0).Allowed);

        bucket.Adjust(-50, 45_000);
        bucket.Adjust(-1_000, 45_000);

        Assert.Equal(100, bucket.Peek(45_000).Remaining);
        Assert.Equal(0, bucket.Peek(45_000).ResetMs);
    }

    [Fact]
    public void Only_a_full_bucket_retires_and_a_retired_one_admits_nothing()
    {
        var bucket = new TokenBucket(2, 1_000, 0);
        Assert.True(bucket.TryAcquire(1, 0).Allowed);

        Assert.False(bucket.TryRetire(499));
        Assert.True(bucket.TryRetire(500));
        Assert.True(bucket.TryAcquire(1, 500).IsGone);
    }

    [Fact]
    public void Sixty_four_threads_on_one_bucket_admit_exactly_the_limit()
    {
        const int limit = 10_000;
        var bucket = new TokenBucket(limit, 86_400_000, 0);
        var admitted = 0;
        using var start = new Barrier(64);
        var threads = Enumerable.Range(0, 64).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            var mine = 0;
            for (var i = 0; i < 500; i++) mine += bucket.TryAcquire(1, 0).Allowed ? 1 : 0;
            Interlocked.Add(ref admitted, mine);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(limit, admitted);
    }
}
