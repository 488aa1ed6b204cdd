using System.Diagnostics;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Streaming;
using Gateway.Tracing;
using Microsoft.Extensions.Logging;

namespace Gateway.Limits;

/// <summary>
/// The rate limit stage (RateLimiterMiddleware span): the first matching rule takes one request, or the
/// request's max_tokens (else the configured estimate) for tokens_per_* rules, from the caller's bucket;
/// an empty bucket answers 429. Tokens are settled with the real usage when the request ends.
/// </summary>
internal sealed class RateLimitStage(ILogger logger) : IRequestStage
{
    public const string Allowed = "allowed";
    public const string Limited = "rate_limited";
    public const string NoRule = "no_matching_rule";
    public const string StoreUnavailable = "store_unavailable";

    public string Name => "rate limit";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var limiter = context.Snapshot.RateLimits;
        var exchange = context.Exchange;
        var span = GatewaySpans.StartRateLimiter(exchange);
        var rule = limiter.Match(exchange);
        if (rule is null)
        {
            GatewaySpans.SetRateLimiterResult(span, [], null, NoRule, null);
            span?.Dispose();
            return ValueTask.FromResult<GatewayError?>(null);
        }
        exchange.AppliedRateLimitRuleIds = rule.AppliedIds;
        var tokens = 1L;
        if (rule.CountsTokens)
        {
            tokens = Math.Clamp(exchange.Head.MaxTokens ?? limiter.TokenEstimate, 1, rule.Limit);
            // Usage is read from the answer only when someone wants it: settlement does.
            exchange.Accumulator ??= new CompletionAccumulator(captureContent: false, 0);
        }
        var key = rule.Key.For(exchange);
        if (rule.Buckets.Shared is { } shared) return SharedAsync(context, span, rule, shared, key, tokens);
        var result = rule.Buckets.Acquire(key, tokens, limiter.Registry.NowMs, out var bucket);
        return ValueTask.FromResult(Decide(context, span, rule, result, rule.CountsTokens ? new RateLimitLease(bucket, null, null, tokens) : null));
    }

    /// <summary>
    /// <c>limits_store: redis</c>: the replica's lease, refilled from Redis when short. When Redis fails or is too
    /// slow: fail-closed answers 503, fail-open falls back to this replica's own bucket (and logs it).
    /// </summary>
    private async ValueTask<GatewayError?> SharedAsync(RequestContext context, Activity? span, RateLimitRule rule, Redis.SharedBuckets shared, string key, long tokens)
    {
        var registry = context.Snapshot.RateLimits.Registry;
        var bucket = shared.Get(key);
        BucketResult result;
        try
        {
            result = await bucket.AcquireAsync(shared.Store, tokens, registry.NowMs).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // One line a second at most: while Redis is down every request comes here.
            var last = Interlocked.Read(ref _lastLogged);
            if (Environment.TickCount64 - last >= 1000 && Interlocked.CompareExchange(ref _lastLogged, Environment.TickCount64, last) == last)
            {
                LimitsLog.StoreUnavailable(logger, shared.Store.FailClosed ? "closed" : "open", e.Message);
            }
            shared.Store.CountFailMode();
            if (shared.Store.FailClosed)
            {
                var error = LimitErrors.StoreUnavailable();
                GatewaySpans.SetRateLimiterResult(span, rule.AppliedIds, rule.Id, StoreUnavailable, null);
                span?.SetStatus(ActivityStatusCode.Error, error.Message);
                span?.Dispose();
                return error;
            }
            var local = rule.Buckets.Acquire(key, tokens, registry.NowMs, out var fallback);
            return Decide(context, span, rule, local, rule.CountsTokens ? new RateLimitLease(fallback, null, null, tokens) : null);
        }
        return Decide(context, span, rule, result, rule.CountsTokens ? new RateLimitLease(null, bucket, shared.Store, tokens) : null);
    }

    private static GatewayError? Decide(RequestContext context, Activity? span, RateLimitRule rule, BucketResult result, RateLimitLease? lease)
    {
        using (span)
        {
            RateLimitHeaders.Set(context.Http.Response, rule, result);
            if (!result.Allowed)
            {
                var error = LimitErrors.RateLimited(rule, result);
                GatewaySpans.SetRateLimiterResult(span, rule.AppliedIds, rule.Id, Limited, result.Remaining);
                if (span is { IsAllDataRequested: true })
                {
                    span.SetTag(SpanAttributes.TfyErrorMessage, error.Message);
                    span.SetStatus(ActivityStatusCode.Error, error.Message);
                }
                return error;
            }
            context.RateLimit = lease;
            GatewaySpans.SetRateLimiterResult(span, rule.AppliedIds, rule.Id, Allowed, result.Remaining);
            return null;
        }
    }

    public void OnRequestEnd(RequestContext context)
    {
        if (context.RateLimit is not { } lease) return;
        context.RateLimit = null;
        var delta = UsedTokens(context) - lease.Tokens;
        if (lease.Bucket is { } bucket)
        {
            bucket.Adjust(delta, context.Snapshot.RateLimits.Registry.NowMs);
        }
        else if (lease.Shared is { } shared)
        {
            _ = SettleSharedAsync(shared, lease.Store!, delta);
        }
    }

    private async Task SettleSharedAsync(Redis.SharedBucket shared, Redis.RedisBucketStore store, long delta)
    {
        try
        {
            await shared.SettleAsync(store, delta).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            store.CountFailure();
            LimitsLog.StoreUnavailable(logger, "settle", e.Message);
        }
    }

    private long _lastLogged = long.MinValue / 2;

    /// <summary>
    /// Input + output tokens from the answer's usage (a stream's final chunk). Without usage (a stream without
    /// stream_options.include_usage, or one cut before its end): the output events counted, plus the prompt at
    /// four bytes a token. Nothing when no attempt went upstream.
    /// </summary>
    internal static long UsedTokens(RequestContext context)
    {
        var exchange = context.Exchange;
        if (exchange.Attempts.Count == 0) return 0;
        if (exchange.Accumulator is { } a && (a.InputTokens is not null || a.OutputTokens is not null)) return (a.InputTokens ?? 0) + (a.OutputTokens ?? 0);
        return exchange.TokenEvents + context.BodyLength / 4;
    }
}
