using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gateway.Limits;

/// <summary>
/// The headers OpenAI clients read (platform.openai.com/docs/guides/rate-limits): <c>x-ratelimit-limit-*</c>,
/// <c>x-ratelimit-remaining-*</c>, <c>x-ratelimit-reset-*</c> for requests or tokens, whichever the rule counts.
/// Written just before the response starts, so they replace the upstream's own and survive an error answer
/// that clears the upstream's headers.
/// </summary>
internal sealed class RateLimitHeaders(HttpResponse response, bool tokens, long limit, long remaining, long resetMs)
{
    public static void Set(HttpResponse response, RateLimitRule rule, BucketResult result) =>
        response.OnStarting(static s => ((RateLimitHeaders)s).Write(), new RateLimitHeaders(response, rule.CountsTokens, rule.Limit, result.Remaining, result.ResetMs));

    private Task Write()
    {
        var headers = response.Headers;
        var (l, r, t) = tokens
            ? ("x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens")
            : ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests");
        headers[l] = limit.ToString(CultureInfo.InvariantCulture);
        headers[r] = remaining.ToString(CultureInfo.InvariantCulture);
        headers[t] = Duration(resetMs);
        return Task.CompletedTask;
    }

    /// <summary>OpenAI's (Go's) duration form: <c>20ms</c>, <c>1s</c>, <c>1.5s</c>, <c>6m0s</c>, <c>1h2m3s</c>.</summary>
    public static string Duration(long ms)
    {
        if (ms < 1000) return ms.ToString(CultureInfo.InvariantCulture) + "ms";
        var hours = ms / 3_600_000;
        var minutes = ms / 60_000 % 60;
        var seconds = (ms % 60_000) / 1000.0;
        var s = seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        return hours > 0 ? $"{hours}h{minutes}m{s}" : minutes > 0 ? $"{minutes}m{s}" : s;
    }
}
