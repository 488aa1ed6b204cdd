namespace Gateway.Routing;

/// <summary>
/// <c>latency-based-routing</c>: the healthy target with the lowest moving average of time to first
/// token (streams) or latency (non-streams). Exploration is deterministic: a target whose average is
/// missing or older than the cool-down gets one probe request per cool-down, so a target that
/// recovered while it was passed over is noticed, and a new one is measured before it is trusted.
/// </summary>
internal sealed class LatencyPolicy : ILoadBalancePolicy
{
    public int ChooseFirst(BalancedTarget[] targets, bool stream, long now, ref uint unhealthy)
    {
        var best = -1;
        var bestLatency = double.PositiveInfinity;
        var firstUp = -1;
        for (var i = 0; i < targets.Length; i++)
        {
            if ((unhealthy & (1u << i)) != 0) continue;
            if (firstUp < 0) firstUp = i;
            var health = targets[i].Health;
            if (health.IsStale(stream, now) && health.TryClaimLatencyProbe(now)) return i;
            var latency = health.Latency(stream);
            if (latency < bestLatency)
            {
                bestLatency = latency;
                best = i;
            }
        }
        // No average anywhere (all probes in flight): the first healthy target in config order.
        return best >= 0 ? best : firstUp;
    }
}
