using System.Diagnostics;
using Gateway.Routing;

namespace Gateway.Tests.Routing;

public sealed class WeightedPolicyTests
{
    private static RoutingFixture Fixture(int a, int b, int c, string health = "") => new(RoutingFixture.VirtualModel("weight-based-routing", $$"""
                - {target: a/m, weight: {{a}}}
                - {target: b/m, weight: {{b}}}
                - {target: c/m, weight: {{c}}}
        """, health));

    [Theory]
    [InlineData(70, 20, 10)]
    [InlineData(50, 30, 20)]
    [InlineData(33, 33, 34)]
    [InlineData(1, 98, 1)]
    [InlineData(0, 90, 10)]
    public void TenThousandPicks_MatchTheWeightsWithinTwoPoints(int a, int b, int c)
    {
        using var f = Fixture(a, b, c);
        var balancer = f.Balancer("v");
        var counts = new Dictionary<string, int> { ["a/m"] = 0, ["b/m"] = 0, ["c/m"] = 0 };
        var now = Stopwatch.GetTimestamp();
        const int N = 10_000;
        for (var i = 0; i < N; i++) counts[balancer.Choose(false, now)[0].Target.Id]++;
        Assert.InRange(counts["a/m"] * 100.0 / N, a - 2, a + 2);
        Assert.InRange(counts["b/m"] * 100.0 / N, b - 2, b + 2);
        Assert.InRange(counts["c/m"] * 100.0 / N, c - 2, c + 2);
    }

    [Fact]
    public void ConcurrentPicks_StayExact()
    {
        using var f = Fixture(70, 20, 10);
        var balancer = f.Balancer("v");
        var counts = new int[3];
        var now = Stopwatch.GetTimestamp();
        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var id = balancer.Choose(false, now)[0].Target.Id;
            Interlocked.Increment(ref counts[id[0] - 'a']);
        });
        // One Interlocked.Increment per pick walks whole schedule cycles: exact, not just within 2 points.
        Assert.Equal([7000, 2000, 1000], counts);
    }

    [Fact]
    public void Schedule_IsSmooth()
    {
        // nginx's smooth weighted round robin for 5/1/1: a a b a c a a, never five a in a row.
        Assert.Equal([0, 0, 1, 0, 2, 0, 0], WeightedPolicy.BuildSchedule([5, 1, 1]));
        Assert.Equal([0, 1], WeightedPolicy.BuildSchedule([50, 50, 0]));
        var schedule = WeightedPolicy.BuildSchedule([70, 20, 10]);
        Assert.Equal([7, 2, 1], [schedule.Count(i => i == 0), schedule.Count(i => i == 1), schedule.Count(i => i == 2)]);
        // Smooth: the 70% target never runs more than 3 slots in a row, even across the cycle boundary.
        var twice = schedule.Concat(schedule).ToArray();
        var run = 0;
        foreach (var i in twice) Assert.True((run = i == 0 ? run + 1 : 0) <= 3);
    }

    [Fact]
    public void FallbackOrder_IsTheRemainingTargets()
    {
        using var f = Fixture(0, 100, 0);
        var plan = f.Balancer("v").Choose(false, Stopwatch.GetTimestamp());
        Assert.Equal(["b/m", "a/m", "c/m"], RoutingFixture.Ids(plan));
        Assert.Same(plan, f.Balancer("v").Choose(false, Stopwatch.GetTimestamp()));
    }

    [Fact]
    public void DownTarget_IsPassedOverAndTriedLast_ThenProbedOnceAfterTheCooldown()
    {
        using var f = Fixture(80, 20, 0, "routing: {health: {failure_threshold: 2, cooldown_ms: 1000}}");
        var balancer = f.Balancer("v");
        var now = Stopwatch.GetTimestamp();
        var a = f.Health("a/m");
        a.RecordFailure(now);
        Assert.Contains(balancer.Choose(false, now)[0].Target.Id, new[] { "a/m", "b/m" });
        a.RecordFailure(now);
        for (var i = 0; i < 20; i++) Assert.Equal(["b/m", "c/m", "a/m"], RoutingFixture.Ids(balancer.Choose(false, now)));

        var later = now + Stopwatch.Frequency * 2;
        Assert.Equal("a/m", balancer.Choose(false, later)[0].Target.Id);
        // The probe is claimed: everyone else keeps passing it over until its outcome is in.
        Assert.Equal("b/m", balancer.Choose(false, later)[0].Target.Id);
        a.RecordSuccess();
        var picks = Enumerable.Range(0, 10).Select(_ => balancer.Choose(false, later)[0].Target.Id).ToList();
        Assert.Equal(8, picks.Count(p => p == "a/m"));
    }
}
