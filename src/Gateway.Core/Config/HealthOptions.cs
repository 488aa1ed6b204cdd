namespace Gateway.Config;

/// <summary>
/// <c>routing.health</c>: when a target counts as failing, and for how long it is passed over. The
/// same period bounds how old a latency sample may be before the target is probed again.
/// </summary>
internal sealed record HealthOptions
{
    public static readonly HealthOptions Default = new();

    /// <summary>Consecutive failed attempts (5xx, 429, auth errors, resets, timeouts) that take a target out.</summary>
    public int FailureThreshold { get; init; } = 3;
    public int CooldownMs { get; init; } = 10_000;
}
