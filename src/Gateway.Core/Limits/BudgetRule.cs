using Gateway.Config;
using Gateway.Routing;

namespace Gateway.Limits;

/// <summary>A compiled <c>budget_limiting.rules</c> entry: its condition, how it splits, its counters (from the registry) and alerts.</summary>
internal sealed class BudgetRule(BudgetRuleConfig config, BudgetCounters counters)
{
    public string Id { get; } = config.Id;
    public string[] AppliedIds { get; } = [config.Id];
    public RuleMatcher When { get; } = new(config.When);
    public LimitKey Key { get; } = new(config.AppliesPer);
    public BudgetCounters Counters { get; } = counters;
    public double LimitUsd { get; } = config.LimitUsd;
    public long LimitNano { get; } = (long)Math.Round(config.LimitUsd * 1e9);
    public bool AuditMode { get; } = config.AuditMode;
    public IReadOnlyList<int> AlertThresholds { get; } = config.AlertThresholds;
    public IReadOnlyList<AlertTargetConfig> AlertTargets { get; } = config.AlertTargets;
    public string UnitName { get; } = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(config.Unit.ToString());
}
