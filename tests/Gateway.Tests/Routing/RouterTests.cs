using Gateway.Auth;
using Gateway.Proxy;
using Gateway.Providers;
using Gateway.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Routing;

public sealed class RouterTests
{
    private static readonly Subject s_alice = new("user", "alice@x.com", ["eng"], "acme");
    private static readonly Subject s_bot = new("virtualaccount", "bot", [], "acme");

    private const string Rules = """
        virtual_models:
          - name: v
            routing_config: {type: priority-based-routing, load_balance_targets: [{target: c/m}]}
        routing:
          rules:
            - id: by-team
              type: priority-based-routing
              when: {subjects: [team:eng], models: [a/m]}
              load_balance_targets: [{target: b/m}]
            - id: by-account
              type: priority-based-routing
              when: {subjects: [virtualaccount:bot]}
              load_balance_targets: [{target: c/m}]
            - id: by-metadata
              type: priority-based-routing
              when: {models: [a/m, v], metadata: {env: prod, tier: gold}}
              load_balance_targets: [{target: b/m}, {target: a/m}]
        """;

    private static RoutePlan Plan(RoutingFixture f, string model, Subject subject, Dictionary<string, string>? metadata = null, Operation op = Operation.Chat)
    {
        var exchange = new Exchange { Operation = op, StartTimestamp = 1, Subject = subject };
        exchange.Head.Model = model;
        if (metadata is not null) exchange.Metadata = metadata;
        Assert.True(Router.TryPlan(f.Table, exchange, op, null, out var plan, out var error), error?.Message);
        return plan;
    }

    [Fact]
    public void FirstMatchingRuleWins_BySubjectModelAndMetadata()
    {
        using var f = new RoutingFixture(Rules);
        var prod = new Dictionary<string, string> { ["env"] = "prod", ["tier"] = "gold", ["x"] = "y" };

        var plan = Plan(f, "a/m", s_alice, prod);
        Assert.Equal(["b/m"], RoutingFixture.Ids(plan.Steps));
        Assert.Equal(["by-team"], plan.AppliedRuleIds);
        Assert.Equal("by-team", plan.ConfigId);
        Assert.Equal("a/m", plan.RequestedModel);

        plan = Plan(f, "anything", s_bot);
        Assert.Equal(["by-account"], plan.AppliedRuleIds);
        Assert.Equal(["c/m"], RoutingFixture.Ids(plan.Steps));

        plan = Plan(f, "v", Subject.Anonymous, prod);
        Assert.Equal(["by-metadata"], plan.AppliedRuleIds);
        Assert.Equal(["b/m", "a/m"], RoutingFixture.Ids(plan.Steps));
    }

    [Fact]
    public void NoRuleMatches_VirtualModelThenDirect()
    {
        using var f = new RoutingFixture(Rules);
        var partial = new Dictionary<string, string> { ["env"] = "prod" };

        var plan = Plan(f, "v", s_alice, partial);
        Assert.Empty(plan.AppliedRuleIds);
        Assert.Equal("v", plan.ConfigId);
        Assert.True(plan.IsBalanced);
        Assert.Equal(["c/m"], RoutingFixture.Ids(plan.Steps));

        plan = Plan(f, "a/m", Subject.Anonymous, partial);
        Assert.False(plan.IsBalanced);
        Assert.Equal(["a/m"], RoutingFixture.Ids(plan.Steps));
        Assert.Same(plan, Plan(f, "a/m", Subject.Anonymous));
    }

    [Fact]
    public void UnknownModel_Is404_AndUnsupportedType_Is400()
    {
        using var f = new RoutingFixture("""
            virtual_models:
              - name: v
                model_types: [chat]
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: a/m}]}
            """);
        var exchange = new Exchange { Operation = Operation.Embedding, StartTimestamp = 1 };
        exchange.Head.Model = "nope";
        Assert.False(Router.TryPlan(f.Table, exchange, Operation.Embedding, null, out _, out var error));
        Assert.Equal(404, error!.Status);
        exchange.Head.Model = "v";
        Assert.False(Router.TryPlan(f.Table, exchange, Operation.Embedding, null, out _, out error));
        Assert.Equal(400, error!.Status);
        Assert.Equal("The model 'v' does not support embedding requests.", error.Message);
    }

    [Fact]
    public void RetryHeader_AppliesToEveryStep()
    {
        using var f = new RoutingFixture(Rules);
        Assert.True(RetryOverride.TryParse("""{"attempts":5,"onStatusCodes":[418]}""", out var retry, out _));
        var exchange = new Exchange { Operation = Operation.Chat, StartTimestamp = 1 };
        exchange.Head.Model = "a/m";
        Assert.True(Router.TryPlan(f.Table, exchange, Operation.Chat, retry, out var plan, out _));
        var step = Assert.Single(plan.Steps);
        Assert.Equal(6, step.Attempts);
        Assert.Contains(418, step.RetryOnStatus);
        Assert.NotNull(step.Health);
    }

    [Fact]
    public void CoolDowns_RunOnTheTablesClock_NotTheMachines()
    {
        var time = new FakeTimeProvider();
        using var f = new RoutingFixture("""
            routing: {health: {failure_threshold: 2, cooldown_ms: 60000}}
            virtual_models:
              - name: v
                routing_config: {type: priority-based-routing, load_balance_targets: [{target: a/m}, {target: b/m}]}
            """, time);
        var a = f.Health("a/m");
        a.RecordFailure(f.Table.Time.GetTimestamp());
        a.RecordFailure(f.Table.Time.GetTimestamp());
        Assert.Equal(["b/m", "a/m"], RoutingFixture.Ids(Plan(f, "v", s_alice).Steps));

        // A minute passes on the gateway's clock, none on the machine's: the cool-down is over, and the
        // next request probes a/m first.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["a/m", "b/m"], RoutingFixture.Ids(Plan(f, "v", s_alice).Steps));
        Assert.Equal(["b/m", "a/m"], RoutingFixture.Ids(Plan(f, "v", s_alice).Steps));
    }
}
