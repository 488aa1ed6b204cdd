using Gateway.Config;
using Gateway.Limits;
using Gateway.Proxy;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Limits;

public sealed class RateLimitRegistryTests
{
    private static RateLimitRuleConfig Rule(string id, long limit, RateLimitUnit unit = RateLimitUnit.RequestsPerMinute, params string[] per) =>
        new() { Id = id, When = RuleCondition.Always, LimitTo = limit, Unit = unit, AppliesPer = per };

    private static Exchange Request(string user, string model = "a/m", Dictionary<string, string>? metadata = null)
    {
        var exchange = new Exchange { Operation = Gateway.Providers.Operation.Chat, StartTimestamp = 0 };
        exchange.Subject = new Gateway.Auth.Subject("user", user, ["eng"], "t");
        exchange.Head.Model = model;
        if (metadata is not null) exchange.Metadata = metadata;
        return exchange;
    }

    [Fact]
    public void Each_value_of_applies_per_gets_its_own_bucket()
    {
        using var registry = new RateLimitRegistry(new FakeTimeProvider());
        var rule = new RateLimitRule(Rule("per-user", 1, RateLimitUnit.RequestsPerMinute, "user", "metadata.app"), registry.For(Rule("per-user", 1, RateLimitUnit.RequestsPerMinute, "user", "metadata.app")));

        bool Take(Exchange e) => rule.Buckets.Acquire(rule.Key.For(e), 1, registry.NowMs, out _).Allowed;

        Assert.True(Take(Request("alice")));
        Assert.False(Take(Request("alice")));
        Assert.True(Take(Request("bob")));
        Assert.True(Take(Request("alice", metadata: new() { ["app"] = "x" })));
        Assert.Equal(3, rule.Buckets.Count);
    }

    [Fact]
    public void Idle_buckets_are_swept_once_full_again_and_busy_ones_stay()
    {
        var time = new FakeTimeProvider();
        using var registry = new RateLimitRegistry(time);
        var buckets = registry.For(Rule("r", 2));
        buckets.Acquire("a", 1, registry.NowMs, out _);
        time.Advance(TimeSpan.FromSeconds(20));
        buckets.Acquire("b", 2, registry.NowMs, out _);

        // The timer fires after a minute: "a" refilled 30 s after its take, "b" not until 80 s.
        time.Advance(TimeSpan.FromSeconds(40));

        Assert.Equal(["b"], buckets.Buckets.Select(b => b.Key));
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, buckets.Count);
    }

    [Fact]
    public void A_reload_keeps_buckets_of_unchanged_rules_and_resets_changed_or_removed_ones()
    {
        using var registry = new RateLimitRegistry(new FakeTimeProvider());
        var kept = registry.For(Rule("kept", 5));
        var changed = registry.For(Rule("changed", 5));
        registry.For(Rule("removed", 5));
        kept.Acquire("", 1, 0, out _);

        Assert.Same(kept, registry.For(Rule("kept", 5)));
        Assert.NotSame(changed, registry.For(Rule("changed", 6)));
        Assert.NotSame(changed, registry.For(Rule("changed", 6, RateLimitUnit.TokensPerHour)));
        registry.Retain(new HashSet<string> { "kept", "changed" });
        Assert.Equal(["changed", "kept"], registry.Rules.Select(r => r.RuleId).Order());
        Assert.Equal(4, registry.For(Rule("kept", 5)).Buckets.Single().Value.Peek(0).Remaining);
    }
}
