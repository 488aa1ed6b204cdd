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

    [Fact]
    public void Budgets_FullShape_Parses()
    {
        var config = ConfigText.Load(ConfigText.Providers + """

            budget_limiting:
              type: gateway-budget-config
              output_token_estimate: 2000
              rules:
                - id: team-monthly
                  unit: cost_per_month
                  when: {subjects: [team:eng]}
                  limit_to: 250.5
                  budget_applies_per: [team]
                  alerts:
                    thresholds: [50, 75, 90, 100]
                    notification_target:
                      - {type: log}
                      - {type: webhook, url: "https://hooks.example.com/x", headers: {authorization: Bearer t}}
                - id: audit
                  unit: cost_per_day
                  limit_to: 1
                  audit_mode: true
            """);

        var rules = config.Budgets.Rules;
        Assert.Equal(2000, config.Budgets.OutputTokenEstimate);
        Assert.Equal(BudgetUnit.CostPerMonth, rules[0].Unit);
        Assert.Equal(250.5, rules[0].LimitUsd);
        Assert.Equal(["team"], rules[0].AppliesPer);
        Assert.Equal([50, 75, 90, 100], rules[0].AlertThresholds);
        Assert.Equal(["log", "webhook"], rules[0].AlertTargets.Select(t => t.Type));
        Assert.Equal("Bearer t", rules[0].AlertTargets[1].Headers["authorization"]);
        Assert.True(rules[1].AuditMode);
    }

    [Fact]
    public void Budgets_Errors()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + """

            budget_limiting:
              rules:
                - id: b
                  unit: cost_per_year
                  limit_to: 0
                  budget_applies_per: [user, model]
                  alerts:
                    thresholds: [50, 40, 120]
                    notification_target: [{type: slack-bot}, {type: webhook, url: "ftp://x"}, {type: webhook}]
                - id: b
                  unit: cost_per_day
            """);

        Assert.Equal(
        [
            "test.yaml:14:13: budget_limiting.rules[0].unit: expected cost_per_day, cost_per_week or cost_per_month, got 'cost_per_year'",
            "test.yaml:15:17: budget_limiting.rules[0].limit_to: must be more than 0 and at most 1000000000 USD, got 0",
            "test.yaml:16:27: budget_limiting.rules[0].budget_applies_per: at most one value",
            "test.yaml:18:26: budget_limiting.rules[0].alerts.thresholds[1]: thresholds must be ascending",
            "test.yaml:18:30: budget_limiting.rules[0].alerts.thresholds[2]: must be between 1 and 100 (percent of limit_to), got 120",
            "test.yaml:19:38: budget_limiting.rules[0].alerts.notification_target[0].type: unknown target type 'slack-bot' (expected log or webhook)",
            "test.yaml:19:71: budget_limiting.rules[0].alerts.notification_target[1].url: 'ftp://x' is not an http(s) URL",
            "test.yaml:19:83: budget_limiting.rules[0].alerts.notification_target[2].url: required for a webhook: an http(s) URL",
            "test.yaml:20:7: budget_limiting.rules[1].limit_to: required: USD per period",
            "test.yaml:20:11: budget_limiting.rules[1].id: duplicate rule id 'b'",
        ], errors);
    }
}
