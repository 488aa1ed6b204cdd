namespace Gateway.Routing;

/// <summary>
/// Chooses the target a request tries first (STYLE.md 16: a small interface picked by config name).
/// The <see cref="LoadBalancer"/> has already set the bits of targets that are down in
/// <paramref name="unhealthy"/>; a policy may add targets it wants tried only after the healthy
/// ones (SLA breakers). Implementations are lock-free: they run on every request.
/// </summary>
internal interface ILoadBalancePolicy
{
    /// <param name="targets">In the balancer's base order (priority order for priority-based routing).</param>
    /// <returns>The index of the first target, or -1 when every target is unhealthy.</returns>
    int ChooseFirst(BalancedTarget[] targets, bool stream, long now, ref uint unhealthy);
}
