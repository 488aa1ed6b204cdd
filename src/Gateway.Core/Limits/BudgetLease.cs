namespace Gateway.Limits;

/// <summary>What the budget stage reserved for a request: the same cost on the period of every matching rule, settled with the real cost when it ends.</summary>
/// <param name="Shared">With <c>limits_store: redis</c>, this replica's leases on the Redis counters, one per rule (the periods then only give the bounds); null in memory mode and after a fail-open fallback.</param>
/// <param name="Mode">How the deciding rule (the first) reserved on its lease; the other rules only record.</param>
internal sealed record BudgetLease(BudgetRule[] Rules, string[] Keys, BudgetPeriod[] Periods, long ReservedNano,
    Redis.SharedBudget[]? Shared = null, Redis.BudgetSettleMode Mode = Redis.BudgetSettleMode.Recorded);
