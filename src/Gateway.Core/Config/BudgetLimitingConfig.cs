namespace Gateway.Config;

/// <summary>The <c>budget_limiting</c> section: the first matching rule decides, cost counts against every matching rule (reference 1.3).</summary>
internal sealed class BudgetLimitingConfig
{
    /// <summary>Output tokens a request without max_tokens is priced at when its maximum cost is reserved.</summary>
    public const long DefaultOutputTokenEstimate = 4096;

    public static readonly BudgetLimitingConfig Empty = new();

    public long OutputTokenEstimate { get; init; } = DefaultOutputTokenEstimate;

    public IReadOnlyList<BudgetRuleConfig> Rules { get; init; } = [];
}
