namespace Gateway.Config;

/// <summary>One rule of <c>routing.rules</c> (the reference's gateway-load-balancing-config); the first match wins.</summary>
internal sealed class RoutingRuleConfig
{
    public required string Id { get; init; }
    public required RuleCondition When { get; init; }
    public required LoadBalancingConfig Routing { get; init; }
}
