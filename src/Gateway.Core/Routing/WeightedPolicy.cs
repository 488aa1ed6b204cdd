namespace Gateway.Routing;

/// <summary>
/// <c>weight-based-routing</c>: smooth weighted round robin, precomputed. The schedule (weights
/// reduced by their GCD, e.g. 70/20/10 gives 10 slots A A B A A C A B A A... in nginx's smooth
/// interleaving) is built once; each request takes the next slot with one
/// <see cref="Interlocked.Increment(ref long)"/>, so the split is exact over every full cycle and
/// nothing locks. A slot whose target is unhealthy passes to the next slot.
/// </summary>
internal sealed class WeightedPolicy : ILoadBalancePolicy
{
    private readonly int[] _schedule;
    private long _next = -1;

    public WeightedPolicy(IReadOnlyList<int> weights)
    {
        _schedule = BuildSchedule(weights);
    }

    /// <summary>The slot order of one cycle (for tests and docs).</summary>
    public IReadOnlyList<int> Schedule => _schedule;

    public int ChooseFirst(BalancedTarget[] targets, bool stream, long now, ref uint unhealthy)
    {
        var start = (ulong)Interlocked.Increment(ref _next);
        var len = (ulong)_schedule.Length;
        for (ulong k = 0; k < len; k++)
        {
            var i = _schedule[(int)((start + k) % len)];
            if ((unhealthy & (1u << i)) == 0) return i;
        }
        // Every weighted target is down: a zero-weight target that is up still beats trying a dead one.
        for (var i = 0; i < targets.Length; i++)
        {
            if ((unhealthy & (1u << i)) == 0) return i;
        }
        return -1;
    }

    /// <summary>Smooth weighted round robin (nginx): each step add every weight to its counter, pick the largest, subtract the total.</summary>
    internal static int[] BuildSchedule(IReadOnlyList<int> weights)
    {
        var gcd = 0;
        foreach (var w in weights) gcd = Gcd(gcd, w);
        if (gcd == 0) return [0];
        var reduced = weights.Select(w => w / gcd).ToArray();
        var total = reduced.Sum();
        var current = new int[reduced.Length];
        var schedule = new int[total];
        for (var slot = 0; slot < total; slot++)
        {
            var best = -1;
            for (var i = 0; i < reduced.Length; i++)
            {
                if (reduced[i] == 0) continue;
                current[i] += reduced[i];
                if (best < 0 || current[i] > current[best]) best = i;
            }
            current[best] -= total;
            schedule[slot] = best;
        }
        return schedule;

        static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
    }
}
