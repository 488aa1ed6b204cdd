namespace Gateway.Limits;

/// <summary>
/// The JSON body a webhook alert target receives (HTTP POST, docs/limits.md): one per threshold per period
/// per counter. <c>key</c> is the counter's <c>budget_applies_per</c> value ("" for a shared budget).
/// </summary>
internal sealed record BudgetAlert(
    string Type,
    string RuleId,
    string Key,
    int ThresholdPercent,
    double SpentUsd,
    double LimitUsd,
    string Unit,
    bool AuditMode,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd);
