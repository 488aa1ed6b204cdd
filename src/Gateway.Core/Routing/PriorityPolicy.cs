namespace Gateway.Routing;

/// <summary>
/// <c>priority-based-routing</c>: targets are in priority order (lowest number first); the first one
/// that is healthy and within its <c>sla_cutoff</c> goes first. Targets over their cut-off are tried
/// after the healthy ones, and again first once their numbers go stale (one cool-down without samples).
/// </summary>
internal sealed class PriorityPolicy : ILoadBalancePolicy
{
    public int ChooseFirst(BalancedTarget[] targets, bool stream, long now, ref uint unhealthy)
    {
        var first = -1;
        var firstSlow = -1;
        for (var i = 0; i < targets.Length; i++)
        {
            if ((unhealthy & (1u << i)) != 0) continue;
            var t = targets[i];
            if (t.SlaCutoff is { } sla && t.Health.BreaksSla(sla, now))
            {
                unhealthy |= 1u << i;
                if (firstSlow < 0) firstSlow = i;
                continue;
            }
            if (first < 0) first = i;
        }
        return first >= 0 ? first : firstSlow;
    }
}
