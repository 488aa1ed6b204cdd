namespace Gateway.Config;

/// <summary>
/// <c>sla_cutoff</c> of a priority-based target: above either moving average, the target is passed
/// over for the next one until its numbers recover (or go stale and it is probed again).
/// </summary>
internal sealed class SlaCutoff
{
    public double? TimePerOutputTokenMs { get; init; }
    public double? TimeToFirstTokenMs { get; init; }
}
