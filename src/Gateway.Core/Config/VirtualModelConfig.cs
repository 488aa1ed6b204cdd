namespace Gateway.Config;

/// <summary>A model name that resolves to provider models through a routing config (truefoundry.md 1.1, virtual models).</summary>
internal sealed class VirtualModelConfig
{
    public required string Name { get; init; }
    public required ModelTypes Types { get; init; }
    public required LoadBalancingConfig Routing { get; init; }
}
