using Gateway.Config;

namespace Gateway.Routing;

/// <summary>A model name served by a load balancer over provider models.</summary>
internal sealed class VirtualModel(string name, ModelTypes types, LoadBalancer balancer)
{
    public string Name { get; } = name;
    public ModelTypes Types { get; } = types;
    public LoadBalancer Balancer { get; } = balancer;
}
