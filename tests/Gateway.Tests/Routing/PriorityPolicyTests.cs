using System.Diagnostics;

namespace Gateway.Tests.Routing;

public sealed class PriorityPolicyTests
{
    private static RoutingFixture Fixture() => new(RoutingFixture.VirtualModel("priority-based-routing", """
                - {target: c/m, priority: 2}
                - {target: a/m, priority: 0, sla_cutoff: {time_per_output_token_ms: 30, time_to_first_token_ms: 500}}
                - {target: b/m, priority: 1}
        """, "routing: {health: {failure_threshold: 1, cooldown_ms: 1000}}"));

    [Fact]
    public void LowestPriorityNumberFirst_ThenTheRestInPriorityOrder()
    {
        using var f = Fixture();
        Assert.Equal(["a/m", "b/m", "c/m"], RoutingFixture.Ids(f.Balancer("v").Choose(false, Stopwatch.GetTimestamp())));
    }

    [Fact]
    public void FailedTarget_MovesToTheEnd()
    {
        using var f = Fixture();
        var now = Stopwatch.GetTimestamp();
        f.Health("a/m").RecordFailure(now);
        Assert.Equal(["b/m", "c/m", "a/m"], RoutingFixture.Ids(f.Balancer("v").Choose(false, now)));
        f.Health("b/m").RecordFailure(now);
        Assert.Equal(["c/m", "a/m", "b/m"], RoutingFixture.Ids(f.Balancer("v").Choose(false, now)));
    }

    [Fact]
    public void SlaCutoff_OnTimePerOutputToken_AndTimeToFirstToken()
    {
        using var f = Fixture();
        var balancer = f.Balancer("v");
        var a = f.Health("a/m");
        var now = Stopwatch.GetTimestamp();
        a.RecordTimePerOutputToken(25, now);
        Assert.Equal("a/m", balancer.Choose(false, now)[0].Target.Id);
        a.RecordTimePerOutputToken(80, now);
        Assert.Equal(["b/m", "c/m", "a/m"], RoutingFixture.Ids(balancer.Choose(false, now)));
        // Numbers older than the cool-down no longer count: a is preferred (and measured) again.
        Assert.Equal("a/m", balancer.Choose(false, now + Stopwatch.Frequency * 2)[0].Target.Id);

        a.RecordLatency(true, 900, now);
        Assert.Equal("b/m", balancer.Choose(true, now)[0].Target.Id);
    }

    [Fact]
    public void EveryTargetOverItsCutoff_TheBestPriorityStillGoesFirst()
    {
        using var f = new RoutingFixture(RoutingFixture.VirtualModel("priority-based-routing", """
                - {target: a/m, sla_cutoff: {time_per_output_token_ms: 10}}
                - {target: b/m, sla_cutoff: {time_per_output_token_ms: 10}}
        """));
        var now = Stopwatch.GetTimestamp();
        f.Health("a/m").RecordTimePerOutputToken(50, now);
        f.Health("b/m").RecordTimePerOutputToken(50, now);
        Assert.Equal(["a/m", "b/m"], RoutingFixture.Ids(f.Balancer("v").Choose(false, now)));
    }
}
