namespace Gateway.Config;

/// <summary>One of <c>rate_limiting.rules</c>.</summary>
internal sealed class RateLimitRuleConfig
{
    public required string Id { get; init; }
    public required RuleCondition When { get; init; }
    public required long LimitTo { get; init; }
    public required RateLimitUnit Unit { get; init; }
    /// <summary>At most two of user, model, virtualaccount, team, metadata.&lt;key&gt;: one bucket per combination of values.</summary>
    public IReadOnlyList<string> AppliesPer { get; init; } = [];

    public bool CountsTokens => Unit is RateLimitUnit.TokensPerMinute or RateLimitUnit.TokensPerHour or RateLimitUnit.TokensPerDay;

    public long PeriodMs => Unit switch
    {
        RateLimitUnit.RequestsPerMinute or RateLimitUnit.TokensPerMinute => 60_000,
        RateLimitUnit.RequestsPerHour or RateLimitUnit.TokensPerHour => 3_600_000,
        _ => 86_400_000,
    };
}
