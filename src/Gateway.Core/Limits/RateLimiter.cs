using Gateway.Config;
using Gateway.Proxy;

namespace Gateway.Limits;

/// <summary>The <c>rate_limiting</c> rules of one config snapshot, compiled; their buckets live in <see cref="RateLimitRegistry"/>.</summary>
internal sealed class RateLimiter
{
    private readonly RateLimitRule[] _rules;

    public RateLimiter(RateLimitingConfig config, RateLimitRegistry registry)
    {
        Registry = registry;
        TokenEstimate = config.TokenEstimate;
        _rules = config.Rules.Select(r => new RateLimitRule(r, registry.For(r))).ToArray();
    }

    public RateLimitRegistry Registry { get; }
    public long TokenEstimate { get; }
    public IReadOnlyList<RateLimitRule> Rules => _rules;
    public bool IsEmpty => _rules.Length == 0;

    /// <summary>The first rule whose <c>when</c> matches (reference 1.2: only the first matching rule applies).</summary>
    public RateLimitRule? Match(Exchange exchange)
    {
        foreach (var rule in _rules)
        {
            if (rule.When.Matches(exchange.Subject, exchange.Head.Model ?? "", exchange.Metadata)) return rule;
        }
        return null;
    }
}
