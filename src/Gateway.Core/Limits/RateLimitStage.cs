using System.Diagnostics;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Limits;

/// <summary>
/// The rate limit stage (RateLimiterMiddleware span): the first matching rule takes one request, or the
/// request's max_tokens (else the configured estimate) for tokens_per_* rules, from the caller's bucket;
/// an empty bucket answers 429. Tokens are settled with the real usage when the request ends.
/// </summary>
internal sealed class RateLimitStage : IRequestStage
{
    public static readonly RateLimitStage Instance = new();

    public const string Allowed = "allowed";
    public const string Limited = "rate_limited";
    public const string NoRule = "no_matching_rule";

    public string Name => "rate limit";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var limiter = context.Snapshot.RateLimits;
        var exchange = context.Exchange;
        using var span = GatewaySpans.StartRateLimiter(exchange);
        var rule = limiter.Match(exchange);
        if (rule is null)
        {
            GatewaySpans.SetRateLimiterResult(span, [], null, NoRule, null);
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
        var result = rule.Buckets.Acquire(rule.Key.For(exchange), tokens, limiter.Registry.NowMs, out var bucket);
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
            return ValueTask.FromResult<GatewayError?>(error);
        }
        if (rule.CountsTokens) context.RateLimit = new RateLimitLease(bucket, tokens);
        GatewaySpans.SetRateLimiterResult(span, rule.AppliedIds, rule.Id, Allowed, result.Remaining);
        return ValueTask.FromResult<GatewayError?>(null);
    }

    public void OnRequestEnd(RequestContext context)
    {
        if (context.RateLimit is not { } lease) return;
        context.RateLimit = null;
        lease.Bucket.Adjust(UsedTokens(context) - lease.Tokens, context.Snapshot.RateLimits.Registry.NowMs);
    }

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
