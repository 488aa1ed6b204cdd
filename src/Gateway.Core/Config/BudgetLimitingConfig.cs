namespace Gateway.Config;

/// <summary>The <c>budget_limiting</c> section: the first matching rule decides, cost counts against every matching rule (reference 1.3).</summary>
internal sealed class BudgetLimitingConfig
{
    public static readonly BudgetLimitingConfig Empty = new();

    public IReadOnlyList<BudgetRuleConfig> Rules { get; init; } = [];
}
