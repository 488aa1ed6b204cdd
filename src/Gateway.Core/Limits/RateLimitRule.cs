using Gateway.Config;
using Gateway.Routing;

namespace Gateway.Limits;

/// <summary>A compiled <c>rate_limiting.rules</c> entry: its condition, how it splits, and its buckets (from the registry).</summary>
internal sealed class RateLimitRule(RateLimitRuleConfig config, RuleBuckets buckets)
{
    public string Id { get; } = config.Id;
    /// <summary><c>[Id]</c>, built once for applied_ratelimit_rule_ids.</summary>
    public string[] AppliedIds { get; } = [config.Id];
    public RuleMatcher When { get; } = new(config.When);
    public LimitKey Key { get; } = new(config.AppliesPer);
    public RuleBuckets Buckets { get; } = buckets;
    public RateLimitUnit Unit { get; } = config.Unit;
    public bool CountsTokens { get; } = config.CountsTokens;
    public long Limit => Buckets.Limit;
    /// <summary>As written in the config, e.g. requests_per_minute (error messages, the usage API).</summary>
    public string UnitName { get; } = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(config.Unit.ToString());
}
