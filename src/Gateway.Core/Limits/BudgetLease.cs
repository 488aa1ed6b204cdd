namespace Gateway.Limits;

/// <summary>What the budget stage reserved for a request: the same cost on the period of every matching rule, settled with the real cost when it ends.</summary>
/// With <c>limits_store: redis</c> the counters are the Redis hashes <paramref name="RedisKeys"/> (the periods then only give the bounds).
internal sealed record BudgetLease(BudgetRule[] Rules, string[] Keys, BudgetPeriod[] Periods, long ReservedNano, string[]? RedisKeys = null);
