using Gateway.Config;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Limits;

/// <summary>Issue #12 item 7: bucket and budget state survive a config reload for rules whose id is unchanged.</summary>
public sealed class LimitsReloadTests
{
    private static GatewayConfig Config(long rpm, double usd, string budgetId = "spend") => ConfigLoader.Load($$"""
        providers:
          - {name: a, type: mock, models: [m]}
        rate_limiting:
          rules: [{id: rpm, limit_to: {{rpm}}, unit: requests_per_day}]
        budget_limiting:
          rules: [{id: {{budgetId}}, unit: cost_per_day, limit_to: {{usd}}}]
        """, "test.yaml", _ => null);

    [Fact]
    public void Unchanged_rules_keep_their_state_across_a_reload_and_changed_ones_start_afresh()
    {
        using var runtime = new GatewayRuntime(Config(3, 1), new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T10:00:00Z")));
        var before = runtime.Current;
        before.RateLimits.Rules[0].Buckets.Acquire("", 2, runtime.RateLimits.NowMs, out _);
        var period = before.Budgets.Rules[0].Counters.Current("", runtime.Time.GetUtcNow());
        period.Settle(0, 500_000_000);

        var same = runtime.Reload(Config(3, 2));
        Assert.Equal(0, same.RateLimits.Rules[0].Buckets.Acquire("", 1, runtime.RateLimits.NowMs, out _).Remaining);
        // A new limit_to applies to what was already spent.
        Assert.Same(period, same.Budgets.Rules[0].Counters.Current("", runtime.Time.GetUtcNow()));

        var changed = runtime.Reload(Config(5, 2, budgetId: "renamed"));
        Assert.Equal(4, changed.RateLimits.Rules[0].Buckets.Acquire("", 1, runtime.RateLimits.NowMs, out _).Remaining);
        Assert.Equal(0, changed.Budgets.Rules[0].Counters.Current("", runtime.Time.GetUtcNow()).SpentNano);
        Assert.DoesNotContain(runtime.Budgets.Rules, r => r.RuleId == "spend");
    }
}
