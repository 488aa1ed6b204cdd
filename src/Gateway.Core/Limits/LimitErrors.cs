using Gateway.OpenAI;

namespace Gateway.Limits;

/// <summary>The 429s of rate limits and budgets, in OpenAI's shape (code <c>rate_limit_exceeded</c>, type <c>requests</c> or <c>tokens</c>, as OpenAI answers).</summary>
internal static class LimitErrors
{
    public static GatewayError RateLimited(RateLimitRule rule, BucketResult result)
    {
        var retry = RetryAfterSeconds(result.RetryAfterMs);
        return new GatewayError(429, rule.CountsTokens ? "tokens" : "requests", "rate_limit_exceeded",
            $"Rate limit reached for rule '{rule.Id}': limit {rule.Limit} {rule.UnitName}, {result.Remaining} remaining. Try again in {retry}s.")
        {
            RetryAfterSeconds = retry,
        };
    }

    public static GatewayError BudgetExceeded(string ruleId, double limitUsd, string unit, long resetMs) =>
        new(429, "insufficient_quota", "budget_exceeded",
            $"Budget exhausted for rule '{ruleId}': limit {limitUsd.ToString(System.Globalization.CultureInfo.InvariantCulture)} USD {unit}. It renews in {RetryAfterSeconds(resetMs)}s.")
        {
            RetryAfterSeconds = RetryAfterSeconds(resetMs),
        };

    /// <summary>limits_store fail_mode: closed, and Redis did not answer.</summary>
    public static GatewayError StoreUnavailable() =>
        new(503, "server_error", "limits_store_unavailable", "The gateway cannot check rate limits right now (its limits store is unreachable). Try again shortly.")
        {
            RetryAfterSeconds = 1,
        };

    /// <summary>Whole seconds, rounded up, at least 1: retry-after is an integer, and 0 invites an immediate retry that fails again.</summary>
    public static int RetryAfterSeconds(long ms) => (int)Math.Clamp((ms + 999) / 1000, 1, int.MaxValue);
}
