using Gateway.Config;

namespace Gateway.Routing;

/// <summary>
/// The targets of one virtual model or rule and the policy that orders them. Per request: mark the
/// targets that are down (one half-open target may take a recovery probe), let the policy choose the
/// first, then fall back through the healthy rest in base order and the unhealthy last. Orders are
/// cached by (first, unhealthy set), so the steady state allocates nothing and takes no lock.
/// </summary>
internal sealed class LoadBalancer
{
    // Cache slots: targets × 2^targets; past 8 targets (2,048 slots) orders are built per request.
    private const int MaxCachedTargets = 8;

    private readonly BalancedTarget[] _targets;
    private readonly ILoadBalancePolicy _policy;
    private readonly RouteStep[]?[]? _cache;

    public LoadBalancer(RoutingStrategy strategy, BalancedTarget[] targets, ILoadBalancePolicy policy)
    {
        Strategy = strategy;
        _targets = targets;
        _policy = policy;
        if (targets.Length <= MaxCachedTargets) _cache = new RouteStep[]?[targets.Length << targets.Length];
    }

    public RoutingStrategy Strategy { get; }

    /// <summary>In base order: config order, or priority order for priority-based routing.</summary>
    public IReadOnlyList<BalancedTarget> Targets => _targets;

    public static LoadBalancer Create(LoadBalancingConfig config, Func<string, ModelTarget> resolve, Func<string, TargetHealth> health)
    {
        var targets = config.Targets.Select(t => new BalancedTarget(new RouteStep(resolve(t.Target))
        {
            Attempts = t.Retry.Attempts + 1,
            RetryDelayMs = t.Retry.DelayMs,
            RetryOnStatus = t.Retry.OnStatusCodes,
            FallbackOnStatus = t.FallbackStatusCodes,
            FallbackCandidate = t.FallbackCandidate,
            Overrides = OverrideParams.From(t.OverrideParams),
            Health = health(t.Target),
            WantsUsage = config.Strategy == RoutingStrategy.Priority && t.SlaCutoff?.TimePerOutputTokenMs is not null,
        }, t));
        ILoadBalancePolicy policy;
        BalancedTarget[] ordered;
        switch (config.Strategy)
        {
            case RoutingStrategy.Weight:
                ordered = targets.ToArray();
                policy = new WeightedPolicy(ordered.Select(t => t.Weight).ToArray());
                break;
            case RoutingStrategy.Latency:
                ordered = targets.ToArray();
                policy = new LatencyPolicy();
                break;
            default:
                // OrderBy is stable: equal priorities keep config order.
                ordered = targets.OrderBy(t => t.Priority).ToArray();
                policy = new PriorityPolicy();
                break;
        }
        return new LoadBalancer(config.Strategy, ordered, policy);
    }

    /// <summary>The order of targets for one request.</summary>
    public IReadOnlyList<RouteStep> Choose(bool stream, long now)
    {
        uint unhealthy = 0;
        var probe = -1;
        for (var i = 0; i < _targets.Length; i++)
        {
            var health = _targets[i].Health;
            if (health.IsDown(now))
            {
                unhealthy |= 1u << i;
            }
            else if (health.IsHalfOpen(now))
            {
                // The cool-down is over: one request probes it first; the rest keep passing it over.
                if (probe < 0 && health.TryClaimRecoveryProbe(now)) probe = i;
                else unhealthy |= 1u << i;
            }
        }
        var first = probe >= 0 ? probe : _policy.ChooseFirst(_targets, stream, now, ref unhealthy);
        if (first < 0) first = 0;
        return Order(first, unhealthy);
    }

    private RouteStep[] Order(int first, uint unhealthy)
    {
        if (_cache is null) return Build(first, unhealthy);
        var slot = ((int)unhealthy * _targets.Length) + first;
        var cached = Volatile.Read(ref _cache[slot]);
        if (cached is not null) return cached;
        // Racing builders produce equal arrays; whichever lands first is kept.
        var built = Build(first, unhealthy);
        return Interlocked.CompareExchange(ref _cache[slot], built, null) ?? built;
    }

    private RouteStep[] Build(int first, uint unhealthy)
    {
        var steps = new RouteStep[_targets.Length];
        var n = 0;
        steps[n++] = _targets[first].Step;
        for (var pass = 0; pass < 2; pass++)
        {
            var wantUnhealthy = pass == 1;
            for (var i = 0; i < _targets.Length; i++)
            {
                if (i == first || ((unhealthy & (1u << i)) != 0) != wantUnhealthy) continue;
                steps[n++] = _targets[i].Step;
            }
        }
        return steps;
    }
}
