namespace Gateway.Config;

/// <summary>One of <c>budget_limiting.rules</c>.</summary>
internal sealed class BudgetRuleConfig
{
    public required string Id { get; init; }
    public required BudgetUnit Unit { get; init; }
    public required RuleCondition When { get; init; }
    public required double LimitUsd { get; init; }
    /// <summary>Records spend and fires alerts, never blocks.</summary>
    public bool AuditMode { get; init; }
    /// <summary>At most one of user, model, virtualaccount, team, metadata.&lt;key&gt;: one counter per value.</summary>
    public IReadOnlyList<string> AppliesPer { get; init; } = [];
    /// <summary>Percentages of the limit, ascending; each fires once per period.</summary>
    public IReadOnlyList<int> AlertThresholds { get; init; } = [];
    public IReadOnlyList<AlertTargetConfig> AlertTargets { get; init; } = [];
}
