using Gateway.Config;

namespace Gateway.Routing;

/// <summary>One target of a load balancer: its plan step (retries, fallback, overrides) and what the policies weigh.</summary>
internal sealed class BalancedTarget(RouteStep step, LoadBalanceTargetConfig config)
{
    public RouteStep Step { get; } = step;
    public TargetHealth Health { get; } = step.Health!;
    public int Weight { get; } = config.Weight;
    public int Priority { get; } = config.Priority;
    public SlaCutoff? SlaCutoff { get; } = config.SlaCutoff;
}
