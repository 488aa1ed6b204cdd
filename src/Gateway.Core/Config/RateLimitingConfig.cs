namespace Gateway.Config;

/// <summary>The <c>rate_limiting</c> section: rules in order, the first match applies (reference 1.2).</summary>
internal sealed class RateLimitingConfig
{
    /// <summary>
    /// Tokens reserved for a request that gives no max_tokens: a typical chat answer plus its prompt.
    /// Settled with the real usage when the request ends, so the estimate only bounds what runs at once.
    /// </summary>
    public const long DefaultTokenEstimate = 1024;

    public static readonly RateLimitingConfig Empty = new();

    public IReadOnlyList<RateLimitRuleConfig> Rules { get; init; } = [];
    public long TokenEstimate { get; init; } = DefaultTokenEstimate;
}
