using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class LimitsConfigTests
{
    [Fact]
    public void RateLimiting_FullShape_Parses()
    {
        var config = ConfigText.Load(ConfigText.Providers + """

            rate_limiting:
              name: limits
              type: gateway-rate-limiting-config
              token_estimate: 512
              rules:
                - id: per-user
                  when: {subjects: [team:eng], models: [a/m], metadata: {env: prod}}
                  limit_to: 100
                  unit: requests_per_minute
                  rate_limit_applies_per: [user, metadata.app]
                - id: tokens
                  limit_to: 1_000_000
                  unit: tokens_per_day
            """);

        var rules = config.RateLimiting.Rules;
        Assert.Equal(512, config.RateLimiting.TokenEstimate);
        Assert.Equal(["per-user", "tokens"], rules.Select(r => r.Id));
        Assert.Equal(RateLimitUnit.RequestsPerMinute, rules[0].Unit);
        Assert.Equal(["user", "metadata.app"], rules[0].AppliesPer);
        Assert.Equal(["team:eng"], rules[0].When.Subjects);
        Assert.Equal(60_000, rules[0].PeriodMs);
        Assert.True(rules[1].CountsTokens);
        Assert.Equal(1_000_000, rules[1].LimitTo);
        Assert.Equal(86_400_000, rules[1].PeriodMs);
    }

    [Fact]
    public void RateLimiting_Errors()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + """

            rate_limiting:
              type: gateway-budget-config
              rules:
                - limit_to: 10
                  unit: requests_per_minute
                - id: r
                  limit_to: 0
                  unit: requests_per_fortnight
                  rate_limit_applies_per: [user, model, team]
                - id: r
                  unit: tokens_per_hour
                  rate_limit_applies_per: [tenant, user, user]
                  when: {models: [nope]}
            """);

        Assert.Equal(
        [
            "test.yaml:12:9: rate_limiting.type: expected gateway-rate-limiting-config, got 'gateway-budget-config'",
            "test.yaml:14:7: rate_limiting.rules[0].id: required (it shows up on spans as applied_ratelimit_rule_ids)",
            "test.yaml:17:17: rate_limiting.rules[1].limit_to: must be between 1 and 1000000000, got 0",
            "test.yaml:18:13: rate_limiting.rules[1].unit: expected requests_per_minute, requests_per_hour, requests_per_day, tokens_per_minute, tokens_per_hour or tokens_per_day, got 'requests_per_fortnight'",
            "test.yaml:19:31: rate_limiting.rules[1].rate_limit_applies_per: at most 2 values",
            "test.yaml:20:7: rate_limiting.rules[2].limit_to: required: the requests or tokens allowed per period",
            "test.yaml:20:11: rate_limiting.rules[2].id: duplicate rule id 'r'",
            "test.yaml:22:31: rate_limiting.rules[2].rate_limit_applies_per: at most 2 values",
            "test.yaml:22:32: rate_limiting.rules[2].rate_limit_applies_per[0]: 'tenant' must be user, model, virtualaccount, team or metadata.<key>",
            "test.yaml:22:46: rate_limiting.rules[2].rate_limit_applies_per[2]: duplicate 'user'",
            "test.yaml:23:23: rate_limiting.rules[2].when.models[0]: unknown model 'nope' (expected a provider model or a virtual model)",
        ], errors);
    }
}
