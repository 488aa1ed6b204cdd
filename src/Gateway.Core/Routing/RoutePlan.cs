namespace Gateway.Routing;

/// <summary>
/// The ordered targets one request may try: the first is preferred, later ones are fallbacks.
/// Each step says how often to retry its target and on which upstream statuses to retry or fall back.
/// </summary>
internal sealed class RoutePlan(IReadOnlyList<RouteStep> steps)
{
    public IReadOnlyList<RouteStep> Steps { get; } = steps;

    /// <summary>What was asked for (a model or a virtual model name).</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Ids of the routing rules that produced this plan (span attribute applied_loadbalance_rule_ids).</summary>
    public IReadOnlyList<string> AppliedRuleIds { get; init; } = [];

    /// <summary>The rule id or virtual model name whose routing config made the plan (span attribute fallback.config_id); null for a direct model.</summary>
    public string? ConfigId { get; init; }

    /// <summary>Whether a virtual model or a routing rule chose the targets (then a loadBalanceMiddleware span is recorded).</summary>
    public bool IsBalanced => ConfigId is not null;

    public static RoutePlan Direct(ModelTarget target) => new([new RouteStep(target)]) { RequestedModel = target.Id };
}

/// <summary>One target of a plan with its retry and fallback settings.</summary>
internal sealed class RouteStep(ModelTarget target)
{
    public ModelTarget Target { get; } = target;
    /// <summary>Total tries of this target (1 = no retry).</summary>
    public int Attempts { get; init; } = 1;
    public int RetryDelayMs { get; init; }
    /// <summary>Upstream statuses that retry this target.</summary>
    public IReadOnlySet<int> RetryOnStatus { get; init; } = s_noStatuses;
    /// <summary>Upstream statuses after which the next step is tried.</summary>
    public IReadOnlySet<int> FallbackOnStatus { get; init; } = s_noStatuses;
    /// <summary>Whether this step may be used as a fallback for an earlier one.</summary>
    public bool FallbackCandidate { get; init; } = true;
    /// <summary>Top-level body fields this target sets (override_params); null when none.</summary>
    public OverrideParams? Overrides { get; init; }
    /// <summary>Where attempt outcomes and latencies go (the load balancer reads them); null when nobody reads them.</summary>
    public TargetHealth? Health { get; init; }
    /// <summary>Whether the balancer needs output token counts of non-streamed answers (SLA on time per output token).</summary>
    public bool WantsUsage { get; init; }

    private static readonly IReadOnlySet<int> s_noStatuses = new HashSet<int>();

    /// <summary>A copy with the client's <c>x-tfy-retry-config</c> applied; fields it leaves out keep their value.</summary>
    public RouteStep With(RetryOverride retry) => new(Target)
    {
        Attempts = retry.Attempts is int a ? a + 1 : Attempts,
        RetryDelayMs = retry.DelayMs ?? RetryDelayMs,
        RetryOnStatus = retry.OnStatusCodes ?? RetryOnStatus,
        FallbackOnStatus = FallbackOnStatus,
        FallbackCandidate = FallbackCandidate,
        Overrides = Overrides,
        Health = Health,
        WantsUsage = WantsUsage,
    };
}
