namespace Gateway.Config;

/// <summary>A strategy and its targets: the <c>routing_config</c> of a virtual model, or the body of a rule.</summary>
internal sealed class LoadBalancingConfig
{
    public required RoutingStrategy Strategy { get; init; }
    public required IReadOnlyList<LoadBalanceTargetConfig> Targets { get; init; }
}
