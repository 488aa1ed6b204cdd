namespace Gateway.Config;

/// <summary>The <c>type</c> of a routing config (truefoundry.md 1.1): how the first target is chosen.</summary>
internal enum RoutingStrategy
{
    /// <summary><c>weight-based-routing</c>: a smooth, exact split by weight.</summary>
    Weight,
    /// <summary><c>latency-based-routing</c>: the target with the lowest recent latency.</summary>
    Latency,
    /// <summary><c>priority-based-routing</c>: the lowest priority number among healthy targets.</summary>
    Priority,
}
