namespace Gateway.Limits.Redis;

/// <summary>How a request's reservation on a <see cref="SharedBudget"/> was made, so its settlement undoes the same.</summary>
internal enum BudgetSettleMode
{
    /// <summary>Taken from the replica's lease: the unused part returns to the lease.</summary>
    Leased,
    /// <summary>Reserved in Redis for this request alone (more than a slice): all of it is released in Redis.</summary>
    Direct,
    /// <summary>A matching rule that does not decide (not the first, or audit mode): nothing reserved, the cost recorded.</summary>
    Recorded,
}
