namespace Gateway.Config;

/// <summary>
/// <c>routing.health</c>: when a target counts as failing, and for how long it is passed over. The
/// same period bounds how old a latency sample may be before the target is probed again.
/// </summary>
/// <param name="FailureThreshold">Consecutive failed attempts (5xx, 429, auth errors, resets, timeouts) that take a target out.</param>
internal sealed record HealthOptions(int FailureThreshold = 3, int CooldownMs = 10_000)
{
    public static readonly HealthOptions Default = new();

    public void Check(ConfigErrors errors, string path)
    {
        errors.Range(path + ".failure_threshold", FailureThreshold, 1, 1000);
        errors.Range(path + ".cooldown_ms", CooldownMs, 1, 3_600_000);
    }
}
