using System.Diagnostics;

namespace Gateway.Tests.Routing;

public sealed class LatencyPolicyTests
{
    private static RoutingFixture Fixture() => new(RoutingFixture.VirtualModel("latency-based-routing", """
                - target: a/m
                - target: b/m
                - target: c/m
        """, "routing: {health: {failure_threshold: 1, cooldown_ms: 1000}}"));

    [Fact]
    public void UnmeasuredTargets_AreProbedOnceEach_ThenTheFastestWins()
    {
        using var f = Fixture();
        var balancer = f.Balancer("v");
        var now = Stopwatch.GetTimestamp();
        Assert.Equal("a/m", balancer.Choose(false, now)[0].Target.Id);
        Assert.Equal("b/m", balancer.Choose(false, now)[0].Target.Id);
        Assert.Equal("c/m", balancer.Choose(false, now)[0].Target.Id);
        f.Health("a/m").RecordLatency(false, 300, now);
        f.Health("b/m").RecordLatency(false, 50, now);
        f.Health("c/m").RecordLatency(false, 120, now);
        Assert.Equal(["b/m", "a/m", "c/m"], RoutingFixture.Ids(balancer.Choose(false, now)));
    }

    [Fact]
    public void SlowingDown_MovesTheChoice_AndStreamsUseTimeToFirstToken()
    {
        using var f = Fixture();
        var balancer = f.Balancer("v");
        var now = Stopwatch.GetTimestamp();
        foreach (var id in new[] { "a/m", "b/m", "c/m" }) f.Health(id).RecordLatency(false, 100, now);
        f.Health("a/m").RecordLatency(false, 10, now);
        Assert.Equal("a/m", balancer.Choose(false, now)[0].Target.Id);
        f.Health("a/m").RecordLatency(false, 400, now);
        f.Health("a/m").RecordLatency(false, 400, now);
        Assert.NotEqual("a/m", balancer.Choose(false, now)[0].Target.Id);

        foreach (var id in new[] { "a/m", "b/m", "c/m" }) f.Health(id).RecordLatency(true, 500, now);
        f.Health("c/m").RecordLatency(true, 5, now);
        Assert.Equal("c/m", balancer.Choose(true, now)[0].Target.Id);
    }

    [Fact]
    public void FailingTarget_IsSkippedForTheCooldown()
    {
        using var f = Fixture();
        var balancer = f.Balancer("v");
        var now = Stopwatch.GetTimestamp();
        foreach (var id in new[] { "a/m", "b/m", "c/m" }) f.Health(id).RecordLatency(false, 100, now);
        f.Health("a/m").RecordLatency(false, 1, now);
        f.Health("a/m").RecordFailure(now);
        Assert.Equal("a/m", RoutingFixture.Ids(balancer.Choose(false, now))[^1]);
    }

    [Fact]
    public void StaleTarget_GetsOneProbePerCooldown_AndItsFreshSampleReplacesTheOldAverage()
    {
        using var f = Fixture();
        var balancer = f.Balancer("v");
        var t0 = Stopwatch.GetTimestamp();
        foreach (var id in new[] { "a/m", "b/m", "c/m" }) f.Health(id).RecordLatency(false, 100, t0);
        f.Health("a/m").RecordLatency(false, 900, t0);
        f.Health("a/m").RecordLatency(false, 900, t0);
        var t1 = t0 + Stopwatch.Frequency / 2;
        f.Health("b/m").RecordLatency(false, 100, t1);
        f.Health("c/m").RecordLatency(false, 100, t1);
        var t2 = t0 + Stopwatch.Frequency * 3 / 2;
        // a's numbers are over a second old: one request probes it, the next does not.
        f.Health("b/m").RecordLatency(false, 100, t2);
        f.Health("c/m").RecordLatency(false, 100, t2);
        Assert.Equal("a/m", balancer.Choose(false, t2)[0].Target.Id);
        Assert.NotEqual("a/m", balancer.Choose(false, t2)[0].Target.Id);
        f.Health("a/m").RecordLatency(false, 20, t2);
        Assert.Equal(20, f.Health("a/m").Latency(false));
        Assert.Equal("a/m", balancer.Choose(false, t2)[0].Target.Id);
    }
}
